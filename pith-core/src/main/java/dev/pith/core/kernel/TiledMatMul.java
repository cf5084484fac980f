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
 * Matrix × many vectors (prompt processing) in register tiles of 4 weight rows × 4 activation
 * vectors: each weight vector loaded (and, for F16/BF16/Q8_0/Q4_0, decoded) once feeds four
 * products, each activation vector loaded once feeds four rows. Activations are walked in blocks
 * that fit the core's L2 cache, so a thread streams its weight rows from memory once per block
 * instead of once per token.
 *
 * <p>Every (row, vector) product accumulates exactly as {@link DotVector}'s single dot product
 * does (one lane accumulator, the same block order, one lane reduction, the same scalar tail), so
 * a batch gives bit-identical results to the same vectors one at a time. Needs 16 float lanes
 * (AVX-512); {@link #supports} says when to use it.
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
            default -> false;
        };
    }

    static void run(DType type, MemorySegment w, long rowBytes, int rows, int cols, Activations a, int n, float[] out) {
        int quads = rows / 4;
        int tokenBlock = Math.max(4, Math.min(n, BLOCK_BYTES / (4 * cols)) & ~3);
        Parallel.RangeBody body = (fromQuad, toQuad) -> {
            for (int t0 = 0; t0 < n; t0 += tokenBlock) {
                int t1 = Math.min(n, t0 + tokenBlock);
                for (int q = fromQuad; q < toQuad; q++) {
                    int r = 4 * q;
                    int t = t0;
                    for (; t + 4 <= t1; t += 4) tile(type, w, rowBytes, r, rows, cols, a, t, out);
                    for (; t < t1; t++) {
                        for (int rr = r; rr < r + 4; rr++) out[t * rows + rr] = DotVector.dot(type, w, rr * rowBytes, a, t, cols);
                    }
                }
            }
        };
        // Enough chunks for the two halves of a shared machine to balance, few enough that each
        // chunk streams a useful stretch of rows.
        Parallel.forChunks(quads, Math.min(quads, Parallel.threads() * 8), body);
        for (int r = 4 * quads; r < rows; r++) {
            for (int t = 0; t < n; t++) out[t * rows + r] = DotVector.dot(type, w, r * rowBytes, a, t, cols);
        }
    }

    private static void tile(DType type, MemorySegment w, long rowBytes, int r, int rows, int cols, Activations a, int t, float[] out) {
        switch (type) {
            case F32 -> f32(w, r * rowBytes, rowBytes, a.values, t, cols, out, rows, r);
            case F16 -> half(w, r * rowBytes, rowBytes, a.values, t, cols, out, rows, r, false);
            case BF16 -> half(w, r * rowBytes, rowBytes, a.values, t, cols, out, rows, r, true);
            case Q8_0 -> q8_0(w, r * rowBytes, rowBytes, a, t, cols, out, rows, r);
            case Q4_0 -> q4_0(w, r * rowBytes, rowBytes, a, t, cols, out, rows, r);
            default -> throw new IllegalStateException("no tile kernel for " + type);
        }
    }

    private static void f32(MemorySegment w, long o, long rb, float[] x, int t, int cols, float[] out, int rows, int r) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00,
                a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int x0 = t * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        long o0 = o, o1 = o + rb, o2 = o1 + rb, o3 = o2 + rb;
        int i = 0;
        for (int upper = cols - L; i <= upper; i += L) {
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, o0 + 4L * i, LE);
            FloatVector w1 = FloatVector.fromMemorySegment(F, w, o1 + 4L * i, LE);
            FloatVector w2 = FloatVector.fromMemorySegment(F, w, o2 + 4L * i, LE);
            FloatVector w3 = FloatVector.fromMemorySegment(F, w, o3 + 4L * i, LE);
            FloatVector v = FloatVector.fromArray(F, x, x0 + i);
            a00 = w0.fma(v, a00); a10 = w1.fma(v, a10); a20 = w2.fma(v, a20); a30 = w3.fma(v, a30);
            v = FloatVector.fromArray(F, x, x1 + i);
            a01 = w0.fma(v, a01); a11 = w1.fma(v, a11); a21 = w2.fma(v, a21); a31 = w3.fma(v, a31);
            v = FloatVector.fromArray(F, x, x2 + i);
            a02 = w0.fma(v, a02); a12 = w1.fma(v, a12); a22 = w2.fma(v, a22); a32 = w3.fma(v, a32);
            v = FloatVector.fromArray(F, x, x3 + i);
            a03 = w0.fma(v, a03); a13 = w1.fma(v, a13); a23 = w2.fma(v, a23); a33 = w3.fma(v, a33);
        }
        store(out, rows, r, t, a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
        if (i < cols) {
            // The scalar tail, added after the lane reduction exactly as DotVector.f32 does.
            for (int rr = 0; rr < 4; rr++) {
                long ro = o + rr * rb;
                for (int tt = 0; tt < 4; tt++) {
                    int xo = x0 + tt * cols;
                    float sum = out[(t + tt) * rows + r + rr];
                    for (int k = i; k < cols; k++) sum += Bytes.f32(w, ro + 4L * k) * x[xo + k];
                    out[(t + tt) * rows + r + rr] = sum;
                }
            }
        }
    }

    private static FloatVector decodeHalf(MemorySegment w, long p, boolean bf16) {
        ShortVector h = ShortVector.fromMemorySegment(S, w, p, LE);
        return bf16 ? DotVector.bf16ToFloat(h) : DotVector.halfToFloat(h);
    }

    private static void half(MemorySegment w, long o, long rb, float[] x, int t, int cols, float[] out, int rows, int r, boolean bf16) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00,
                a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int x0 = t * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        long o0 = o, o1 = o + rb, o2 = o1 + rb, o3 = o2 + rb;
        int i = 0;
        for (int upper = cols - L; i <= upper; i += L) {
            FloatVector w0 = decodeHalf(w, o0 + 2L * i, bf16);
            FloatVector w1 = decodeHalf(w, o1 + 2L * i, bf16);
            FloatVector w2 = decodeHalf(w, o2 + 2L * i, bf16);
            FloatVector w3 = decodeHalf(w, o3 + 2L * i, bf16);
            FloatVector v = FloatVector.fromArray(F, x, x0 + i);
            a00 = w0.fma(v, a00); a10 = w1.fma(v, a10); a20 = w2.fma(v, a20); a30 = w3.fma(v, a30);
            v = FloatVector.fromArray(F, x, x1 + i);
            a01 = w0.fma(v, a01); a11 = w1.fma(v, a11); a21 = w2.fma(v, a21); a31 = w3.fma(v, a31);
            v = FloatVector.fromArray(F, x, x2 + i);
            a02 = w0.fma(v, a02); a12 = w1.fma(v, a12); a22 = w2.fma(v, a22); a32 = w3.fma(v, a32);
            v = FloatVector.fromArray(F, x, x3 + i);
            a03 = w0.fma(v, a03); a13 = w1.fma(v, a13); a23 = w2.fma(v, a23); a33 = w3.fma(v, a33);
        }
        store(out, rows, r, t, a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
        if (i < cols) {
            for (int rr = 0; rr < 4; rr++) {
                long ro = o + rr * rb;
                for (int tt = 0; tt < 4; tt++) {
                    int xo = x0 + tt * cols;
                    float sum = out[(t + tt) * rows + r + rr];
                    for (int k = i; k < cols; k++) sum += (bf16 ? Bytes.bf16(w, ro + 2L * k) : Bytes.f16(w, ro + 2L * k)) * x[xo + k];
                    out[(t + tt) * rows + r + rr] = sum;
                }
            }
        }
    }

    /** Q8_0 rows against Q8_0 activations: per block, the exact integer sums scaled by d_w·d_x into each accumulator. */
    private static void q8_0(MemorySegment w, long o, long rb, Activations a, int t, int cols, float[] out, int rows, int r) {
        float[] x = a.values, d = a.d;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00,
                a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        FloatVector zero = a00;
        int x0 = t * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        long o0 = o, o1 = o + rb, o2 = o1 + rb, o3 = o2 + rb;
        for (int b = 0; b < cols / 32; b++) {
            long p = 34L * b;
            FloatVector w0l = DotVector.toFloat(ByteVector.fromMemorySegment(B, w, o0 + p + 2, LE));
            FloatVector w0h = DotVector.toFloat(ByteVector.fromMemorySegment(B, w, o0 + p + 18, LE));
            FloatVector w1l = DotVector.toFloat(ByteVector.fromMemorySegment(B, w, o1 + p + 2, LE));
            FloatVector w1h = DotVector.toFloat(ByteVector.fromMemorySegment(B, w, o1 + p + 18, LE));
            FloatVector w2l = DotVector.toFloat(ByteVector.fromMemorySegment(B, w, o2 + p + 2, LE));
            FloatVector w2h = DotVector.toFloat(ByteVector.fromMemorySegment(B, w, o2 + p + 18, LE));
            FloatVector w3l = DotVector.toFloat(ByteVector.fromMemorySegment(B, w, o3 + p + 2, LE));
            FloatVector w3h = DotVector.toFloat(ByteVector.fromMemorySegment(B, w, o3 + p + 18, LE));
            float d0 = Bytes.f16(w, o0 + p), d1 = Bytes.f16(w, o1 + p), d2 = Bytes.f16(w, o2 + p), d3 = Bytes.f16(w, o3 + p);
            int k = 32 * b;
            FloatVector xl = FloatVector.fromArray(F, x, x0 + k), xh = FloatVector.fromArray(F, x, x0 + k + 16);
            float dx = d[(x0 + k) / 32];
            a00 = block(w0l, w0h, xl, xh, zero, d0 * dx, a00); a10 = block(w1l, w1h, xl, xh, zero, d1 * dx, a10);
            a20 = block(w2l, w2h, xl, xh, zero, d2 * dx, a20); a30 = block(w3l, w3h, xl, xh, zero, d3 * dx, a30);
            xl = FloatVector.fromArray(F, x, x1 + k); xh = FloatVector.fromArray(F, x, x1 + k + 16); dx = d[(x1 + k) / 32];
            a01 = block(w0l, w0h, xl, xh, zero, d0 * dx, a01); a11 = block(w1l, w1h, xl, xh, zero, d1 * dx, a11);
            a21 = block(w2l, w2h, xl, xh, zero, d2 * dx, a21); a31 = block(w3l, w3h, xl, xh, zero, d3 * dx, a31);
            xl = FloatVector.fromArray(F, x, x2 + k); xh = FloatVector.fromArray(F, x, x2 + k + 16); dx = d[(x2 + k) / 32];
            a02 = block(w0l, w0h, xl, xh, zero, d0 * dx, a02); a12 = block(w1l, w1h, xl, xh, zero, d1 * dx, a12);
            a22 = block(w2l, w2h, xl, xh, zero, d2 * dx, a22); a32 = block(w3l, w3h, xl, xh, zero, d3 * dx, a32);
            xl = FloatVector.fromArray(F, x, x3 + k); xh = FloatVector.fromArray(F, x, x3 + k + 16); dx = d[(x3 + k) / 32];
            a03 = block(w0l, w0h, xl, xh, zero, d0 * dx, a03); a13 = block(w1l, w1h, xl, xh, zero, d1 * dx, a13);
            a23 = block(w2l, w2h, xl, xh, zero, d2 * dx, a23); a33 = block(w3l, w3h, xl, xh, zero, d3 * dx, a33);
        }
        store(out, rows, r, t, a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
    }

    /** Q4_0 rows against Q8_0 activations: nibbles minus 8 are the block's values 0-15 (low) and 16-31 (high). */
    private static void q4_0(MemorySegment w, long o, long rb, Activations a, int t, int cols, float[] out, int rows, int r) {
        float[] x = a.values, d = a.d;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00,
                a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        FloatVector zero = a00;
        int x0 = t * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        long o0 = o, o1 = o + rb, o2 = o1 + rb, o3 = o2 + rb;
        for (int b = 0; b < cols / 32; b++) {
            long p = 18L * b;
            ByteVector q0 = ByteVector.fromMemorySegment(B, w, o0 + p + 2, LE);
            ByteVector q1 = ByteVector.fromMemorySegment(B, w, o1 + p + 2, LE);
            ByteVector q2 = ByteVector.fromMemorySegment(B, w, o2 + p + 2, LE);
            ByteVector q3 = ByteVector.fromMemorySegment(B, w, o3 + p + 2, LE);
            FloatVector w0l = lo(q0), w0h = hi(q0), w1l = lo(q1), w1h = hi(q1), w2l = lo(q2), w2h = hi(q2), w3l = lo(q3), w3h = hi(q3);
            float d0 = Bytes.f16(w, o0 + p), d1 = Bytes.f16(w, o1 + p), d2 = Bytes.f16(w, o2 + p), d3 = Bytes.f16(w, o3 + p);
            int k = 32 * b;
            FloatVector xl = FloatVector.fromArray(F, x, x0 + k), xh = FloatVector.fromArray(F, x, x0 + k + 16);
            float dx = d[(x0 + k) / 32];
            a00 = block(w0l, w0h, xl, xh, zero, d0 * dx, a00); a10 = block(w1l, w1h, xl, xh, zero, d1 * dx, a10);
            a20 = block(w2l, w2h, xl, xh, zero, d2 * dx, a20); a30 = block(w3l, w3h, xl, xh, zero, d3 * dx, a30);
            xl = FloatVector.fromArray(F, x, x1 + k); xh = FloatVector.fromArray(F, x, x1 + k + 16); dx = d[(x1 + k) / 32];
            a01 = block(w0l, w0h, xl, xh, zero, d0 * dx, a01); a11 = block(w1l, w1h, xl, xh, zero, d1 * dx, a11);
            a21 = block(w2l, w2h, xl, xh, zero, d2 * dx, a21); a31 = block(w3l, w3h, xl, xh, zero, d3 * dx, a31);
            xl = FloatVector.fromArray(F, x, x2 + k); xh = FloatVector.fromArray(F, x, x2 + k + 16); dx = d[(x2 + k) / 32];
            a02 = block(w0l, w0h, xl, xh, zero, d0 * dx, a02); a12 = block(w1l, w1h, xl, xh, zero, d1 * dx, a12);
            a22 = block(w2l, w2h, xl, xh, zero, d2 * dx, a22); a32 = block(w3l, w3h, xl, xh, zero, d3 * dx, a32);
            xl = FloatVector.fromArray(F, x, x3 + k); xh = FloatVector.fromArray(F, x, x3 + k + 16); dx = d[(x3 + k) / 32];
            a03 = block(w0l, w0h, xl, xh, zero, d0 * dx, a03); a13 = block(w1l, w1h, xl, xh, zero, d1 * dx, a13);
            a23 = block(w2l, w2h, xl, xh, zero, d2 * dx, a23); a33 = block(w3l, w3h, xl, xh, zero, d3 * dx, a33);
        }
        store(out, rows, r, t, a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
    }

    private static FloatVector lo(ByteVector q) { return DotVector.toFloat(q.and((byte) 0xF).sub((byte) 8)); }

    private static FloatVector hi(ByteVector q) { return DotVector.toFloat(q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8)); }

    /** One 32-value block of one product, in DotVector.q8_0's order: (wl·xl + wh·xh) then fma with the scales. */
    private static FloatVector block(FloatVector wl, FloatVector wh, FloatVector xl, FloatVector xh, FloatVector zero, float scale, FloatVector acc) {
        FloatVector s = wl.fma(xl, zero);
        s = wh.fma(xh, s);
        return s.fma(FloatVector.broadcast(F, scale), acc);
    }

    private static void store(float[] out, int rows, int r, int t,
                              FloatVector a00, FloatVector a01, FloatVector a02, FloatVector a03,
                              FloatVector a10, FloatVector a11, FloatVector a12, FloatVector a13,
                              FloatVector a20, FloatVector a21, FloatVector a22, FloatVector a23,
                              FloatVector a30, FloatVector a31, FloatVector a32, FloatVector a33) {
        int b0 = t * rows + r, b1 = b0 + rows, b2 = b1 + rows, b3 = b2 + rows;
        out[b0] = Lanes.sum(a00); out[b0 + 1] = Lanes.sum(a10);
        out[b0 + 2] = Lanes.sum(a20); out[b0 + 3] = Lanes.sum(a30);
        out[b1] = Lanes.sum(a01); out[b1 + 1] = Lanes.sum(a11);
        out[b1 + 2] = Lanes.sum(a21); out[b1 + 3] = Lanes.sum(a31);
        out[b2] = Lanes.sum(a02); out[b2 + 1] = Lanes.sum(a12);
        out[b2 + 2] = Lanes.sum(a22); out[b2 + 3] = Lanes.sum(a32);
        out[b3] = Lanes.sum(a03); out[b3 + 1] = Lanes.sum(a13);
        out[b3 + 2] = Lanes.sum(a23); out[b3 + 3] = Lanes.sum(a33);
    }
}
