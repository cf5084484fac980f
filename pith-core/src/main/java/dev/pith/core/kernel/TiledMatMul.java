package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.quant.Bytes;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.pith.core.kernel.DotVector.B;
import static dev.pith.core.kernel.DotVector.F;
import static dev.pith.core.kernel.DotVector.L;
import static dev.pith.core.kernel.DotVector.S;

/**
 * Matrix × many vectors (prompt processing). A thread takes 4 weight rows at a time, decodes them
 * once into float scratch (F32 copied, F16/BF16 widened, Q8_0/Q4_0 quants widened with their
 * scales kept apart), and multiplies them with 4 activation vectors at a time in a register tile of
 * 16 accumulators: each weight vector loaded feeds four products, each activation vector four
 * rows. Activations are walked in blocks that fit the core's L2 cache. The K-quants have their
 * own tiles in {@link KQuantTiles}.
 *
 * <p>Decoding outside the tile keeps the compiled tile small: with the decoding inside, C2 hits
 * its inlining node budget and boxes vector temporaries, and the kernel runs ~50× slower.
 *
 * <p>Every (row, vector) product accumulates exactly as {@link DotVector}'s single dot product
 * does (one lane accumulator, the same block order, {@link Lanes}' fixed lane sum, the same scalar
 * tail), so a batch gives bit-identical results to the same vectors one at a time. Needs 16 float
 * lanes (AVX-512); {@link #supports} says when to use it.
 */
final class TiledMatMul {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Bytes of activations one thread keeps hot while it walks its rows. */
    private static final int BLOCK_BYTES = 512 * 1024;

    private TiledMatMul() {}

    static boolean supports(DType type, int n) {
        if (L != 16 || n < 4) return false;
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0 -> true;
            default -> KQuantTiles.supports(type);
        };
    }

    /**
     * The 4 × 4 register tiles for every type (K-quants through {@link KQuantTiles}), whatever n.
     * (K-quant prompts of 8 vectors or more take {@link KQuantGemm}, same bits, chosen in {@link RowProducts}.)
     */
    static void run(DType type, MemorySegment w, long rowBytes, int rows, int cols, Activations a, int n, float[] out) {
        int quads = rows / 4;
        int tokenBlock = Math.max(4, Math.min(n, BLOCK_BYTES / (4 * cols)) & ~3);
        boolean quantized = type == DType.Q8_0 || type == DType.Q4_0;
        boolean kQuant = KQuantTiles.supports(type);
        Parallel.RangeBody body = (fromQuad, toQuad) -> {
            KQuantTiles.Rows kRows = kQuant ? new KQuantTiles.Rows(cols) : null;
            float[] wf = kQuant ? null : new float[4 * cols];
            float[] scales = new float[4 * (cols / 32 + 1)];
            float[] lanes = new float[16 * L];
            for (int t0 = 0; t0 < n; t0 += tokenBlock) {
                int t1 = Math.min(n, t0 + tokenBlock);
                for (int q = fromQuad; q < toQuad; q++) {
                    int r = 4 * q;
                    if (kQuant) KQuantTiles.decode(type, w, r * rowBytes, rowBytes, cols, kRows);
                    else decode(type, w, r * rowBytes, rowBytes, cols, wf, scales);
                    int t = t0;
                    for (; t + 4 <= t1; t += 4) {
                        if (kQuant) {
                            KQuantTiles.tile(type, kRows, cols, a, t, lanes);
                            storeMinusMins(out, rows, r, t, lanes, kRows.minSums);
                            continue;
                        }
                        if (quantized) blocks(wf, scales, cols, a.values, a.d, t, lanes);
                        else floats(wf, cols, a.values, t, lanes);
                        store(out, rows, r, t, lanes);
                        if (!quantized) tail(type, w, r * rowBytes, rowBytes, cols, a.values, t, out, rows, r);
                    }
                    for (; t < t1; t++) {
                        for (int rr = r; rr < r + 4; rr++) out[t * rows + rr] = DotVector.dot(type, w, rr * rowBytes, a, t, cols);
                    }
                }
            }
        };
        // Enough chunks for the threads of a shared machine to balance, few enough that each chunk
        // streams a useful stretch of rows.
        Parallel.forChunks(quads, Math.min(quads, Parallel.threads() * 8), body);
        for (int r = 4 * quads; r < rows; r++) {
            for (int t = 0; t < n; t++) out[t * rows + r] = DotVector.dot(type, w, r * rowBytes, a, t, cols);
        }
    }

    /** Rows r .. r+3 (bytes at o, o+rb, ...) as floats: the whole-vector part for float types, every quant for Q8_0/Q4_0. */
    private static void decode(DType type, MemorySegment w, long o, long rb, int cols, float[] wf, float[] scales) {
        int vecEnd = cols - cols % L;
        int nb = cols / 32;
        for (int rr = 0; rr < 4; rr++) {
            long ro = o + rr * rb;
            int dst = rr * cols;
            switch (type) {
                case F32 -> { for (int i = 0; i < vecEnd; i += L) FloatVector.fromMemorySegment(F, w, ro + 4L * i, LE).intoArray(wf, dst + i); }
                case F16 -> { for (int i = 0; i < vecEnd; i += L) DotVector.halfToFloat(ShortVector.fromMemorySegment(S, w, ro + 2L * i, LE)).intoArray(wf, dst + i); }
                case BF16 -> { for (int i = 0; i < vecEnd; i += L) DotVector.bf16ToFloat(ShortVector.fromMemorySegment(S, w, ro + 2L * i, LE)).intoArray(wf, dst + i); }
                case Q8_0 -> {
                    for (int b = 0; b < nb; b++) {
                        long p = ro + 34L * b;
                        scales[rr * nb + b] = Bytes.f16(w, p);
                        DotVector.toFloat(ByteVector.fromMemorySegment(B, w, p + 2, LE)).intoArray(wf, dst + 32 * b);
                        DotVector.toFloat(ByteVector.fromMemorySegment(B, w, p + 18, LE)).intoArray(wf, dst + 32 * b + 16);
                    }
                }
                case Q4_0 -> {
                    for (int b = 0; b < nb; b++) {
                        long p = ro + 18L * b;
                        scales[rr * nb + b] = Bytes.f16(w, p);
                        ByteVector qv = ByteVector.fromMemorySegment(B, w, p + 2, LE);
                        DotVector.toFloat(qv.and((byte) 0xF).sub((byte) 8)).intoArray(wf, dst + 32 * b);
                        DotVector.toFloat(qv.lanewise(VectorOperators.LSHR, 4).sub((byte) 8)).intoArray(wf, dst + 32 * b + 16);
                    }
                }
                default -> throw new IllegalStateException("no tile kernel for " + type);
            }
        }
    }

    /** 4 decoded float rows × vectors t .. t+3, whole vectors only; accumulators to lanes[(tt*4 + rr)*L]. */
    private static void floats(float[] wf, int cols, float[] x, int t, float[] lanes) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00,
                a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int x0 = t * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        int o1 = cols, o2 = 2 * cols, o3 = 3 * cols;
        for (int i = 0, upper = cols - L; i <= upper; i += L) {
            FloatVector w0 = FloatVector.fromArray(F, wf, i);
            FloatVector w1 = FloatVector.fromArray(F, wf, o1 + i);
            FloatVector w2 = FloatVector.fromArray(F, wf, o2 + i);
            FloatVector w3 = FloatVector.fromArray(F, wf, o3 + i);
            FloatVector v = FloatVector.fromArray(F, x, x0 + i);
            a00 = w0.fma(v, a00); a10 = w1.fma(v, a10); a20 = w2.fma(v, a20); a30 = w3.fma(v, a30);
            v = FloatVector.fromArray(F, x, x1 + i);
            a01 = w0.fma(v, a01); a11 = w1.fma(v, a11); a21 = w2.fma(v, a21); a31 = w3.fma(v, a31);
            v = FloatVector.fromArray(F, x, x2 + i);
            a02 = w0.fma(v, a02); a12 = w1.fma(v, a12); a22 = w2.fma(v, a22); a32 = w3.fma(v, a32);
            v = FloatVector.fromArray(F, x, x3 + i);
            a03 = w0.fma(v, a03); a13 = w1.fma(v, a13); a23 = w2.fma(v, a23); a33 = w3.fma(v, a33);
        }
        a00.intoArray(lanes, 0); a10.intoArray(lanes, L); a20.intoArray(lanes, 2 * L); a30.intoArray(lanes, 3 * L);
        a01.intoArray(lanes, 4 * L); a11.intoArray(lanes, 5 * L); a21.intoArray(lanes, 6 * L); a31.intoArray(lanes, 7 * L);
        a02.intoArray(lanes, 8 * L); a12.intoArray(lanes, 9 * L); a22.intoArray(lanes, 10 * L); a32.intoArray(lanes, 11 * L);
        a03.intoArray(lanes, 12 * L); a13.intoArray(lanes, 13 * L); a23.intoArray(lanes, 14 * L); a33.intoArray(lanes, 15 * L);
    }

    /**
     * 4 decoded quantized rows × vectors t .. t+3 against Q8_0 activations, in DotVector.q8_0's
     * order per block: s = wl·xl (fma onto zero), s = wh·xh + s, acc = s·(d_w·d_x) + acc.
     */
    private static void blocks(float[] wf, float[] scales, int cols, float[] x, float[] d, int t, float[] lanes) {
        FloatVector zero = FloatVector.zero(F);
        FloatVector a00 = zero, a01 = zero, a02 = zero, a03 = zero, a10 = zero, a11 = zero, a12 = zero, a13 = zero,
                a20 = zero, a21 = zero, a22 = zero, a23 = zero, a30 = zero, a31 = zero, a32 = zero, a33 = zero;
        int nb = cols / 32;
        int x0 = t * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        for (int b = 0; b < nb; b++) {
            int k = 32 * b;
            float d0 = d[(x0 + k) / 32], d1 = d[(x1 + k) / 32], d2 = d[(x2 + k) / 32], d3 = d[(x3 + k) / 32];
            FloatVector v0l = FloatVector.fromArray(F, x, x0 + k), v0h = FloatVector.fromArray(F, x, x0 + k + 16);
            FloatVector v1l = FloatVector.fromArray(F, x, x1 + k), v1h = FloatVector.fromArray(F, x, x1 + k + 16);
            FloatVector v2l = FloatVector.fromArray(F, x, x2 + k), v2h = FloatVector.fromArray(F, x, x2 + k + 16);
            FloatVector v3l = FloatVector.fromArray(F, x, x3 + k), v3h = FloatVector.fromArray(F, x, x3 + k + 16);
            // Row 0 .. 3: load its two weight vectors, then one block product per activation vector.
            FloatVector wl = FloatVector.fromArray(F, wf, k), wh = FloatVector.fromArray(F, wf, k + 16);
            float s = scales[b];
            a00 = wh.fma(v0h, wl.fma(v0l, zero)).fma(FloatVector.broadcast(F, s * d0), a00);
            a01 = wh.fma(v1h, wl.fma(v1l, zero)).fma(FloatVector.broadcast(F, s * d1), a01);
            a02 = wh.fma(v2h, wl.fma(v2l, zero)).fma(FloatVector.broadcast(F, s * d2), a02);
            a03 = wh.fma(v3h, wl.fma(v3l, zero)).fma(FloatVector.broadcast(F, s * d3), a03);
            wl = FloatVector.fromArray(F, wf, cols + k); wh = FloatVector.fromArray(F, wf, cols + k + 16); s = scales[nb + b];
            a10 = wh.fma(v0h, wl.fma(v0l, zero)).fma(FloatVector.broadcast(F, s * d0), a10);
            a11 = wh.fma(v1h, wl.fma(v1l, zero)).fma(FloatVector.broadcast(F, s * d1), a11);
            a12 = wh.fma(v2h, wl.fma(v2l, zero)).fma(FloatVector.broadcast(F, s * d2), a12);
            a13 = wh.fma(v3h, wl.fma(v3l, zero)).fma(FloatVector.broadcast(F, s * d3), a13);
            wl = FloatVector.fromArray(F, wf, 2 * cols + k); wh = FloatVector.fromArray(F, wf, 2 * cols + k + 16); s = scales[2 * nb + b];
            a20 = wh.fma(v0h, wl.fma(v0l, zero)).fma(FloatVector.broadcast(F, s * d0), a20);
            a21 = wh.fma(v1h, wl.fma(v1l, zero)).fma(FloatVector.broadcast(F, s * d1), a21);
            a22 = wh.fma(v2h, wl.fma(v2l, zero)).fma(FloatVector.broadcast(F, s * d2), a22);
            a23 = wh.fma(v3h, wl.fma(v3l, zero)).fma(FloatVector.broadcast(F, s * d3), a23);
            wl = FloatVector.fromArray(F, wf, 3 * cols + k); wh = FloatVector.fromArray(F, wf, 3 * cols + k + 16); s = scales[3 * nb + b];
            a30 = wh.fma(v0h, wl.fma(v0l, zero)).fma(FloatVector.broadcast(F, s * d0), a30);
            a31 = wh.fma(v1h, wl.fma(v1l, zero)).fma(FloatVector.broadcast(F, s * d1), a31);
            a32 = wh.fma(v2h, wl.fma(v2l, zero)).fma(FloatVector.broadcast(F, s * d2), a32);
            a33 = wh.fma(v3h, wl.fma(v3l, zero)).fma(FloatVector.broadcast(F, s * d3), a33);
        }
        a00.intoArray(lanes, 0); a10.intoArray(lanes, L); a20.intoArray(lanes, 2 * L); a30.intoArray(lanes, 3 * L);
        a01.intoArray(lanes, 4 * L); a11.intoArray(lanes, 5 * L); a21.intoArray(lanes, 6 * L); a31.intoArray(lanes, 7 * L);
        a02.intoArray(lanes, 8 * L); a12.intoArray(lanes, 9 * L); a22.intoArray(lanes, 10 * L); a32.intoArray(lanes, 11 * L);
        a03.intoArray(lanes, 12 * L); a13.intoArray(lanes, 13 * L); a23.intoArray(lanes, 14 * L); a33.intoArray(lanes, 15 * L);
    }

    /** Reduces the spilled accumulators (vector tt, row rr at lanes[(tt*4 + rr)*L]) into out, in Lanes.sum's fixed order. */
    private static void store(float[] out, int rows, int r, int t, float[] lanes) {
        for (int tt = 0; tt < 4; tt++) {
            for (int rr = 0; rr < 4; rr++) out[(t + tt) * rows + r + rr] = Lanes.sum(lanes, (tt * 4 + rr) * L, L);
        }
    }

    /** K-quants: as DotVector's {@code Lanes.sum(acc) - mins}. */
    private static void storeMinusMins(float[] out, int rows, int r, int t, float[] lanes, float[] minSums) {
        for (int tt = 0; tt < 4; tt++) {
            for (int rr = 0; rr < 4; rr++) out[(t + tt) * rows + r + rr] = Lanes.sum(lanes, (tt * 4 + rr) * L, L) - minSums[tt * 4 + rr];
        }
    }

    /** Float types: the columns past the last whole vector, added after the lane sum exactly as DotVector does. */
    private static void tail(DType type, MemorySegment w, long o, long rb, int cols, float[] x, int t, float[] out, int rows, int r) {
        int from = cols - cols % L;
        if (from == cols) return;
        for (int rr = 0; rr < 4; rr++) {
            long ro = o + rr * rb;
            for (int tt = 0; tt < 4; tt++) {
                int xo = (t + tt) * cols;
                float sum = out[(t + tt) * rows + r + rr];
                for (int k = from; k < cols; k++) {
                    float wv = switch (type) {
                        case F32 -> Bytes.f32(w, ro + 4L * k);
                        case F16 -> Bytes.f16(w, ro + 2L * k);
                        default -> Bytes.bf16(w, ro + 2L * k);
                    };
                    sum += wv * x[xo + k];
                }
                out[(t + tt) * rows + r + rr] = sum;
            }
        }
    }
}
