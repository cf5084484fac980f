package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.quant.Bytes;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.pith.core.kernel.DotVector.F;
import static dev.pith.core.kernel.DotVector.L;

/**
 * Matrix × one vector (generation) where a kernel of its own beats {@link DotVector}'s row by row,
 * with the same bits: F16 four rows at a time (below), and Q8_0, Q4_K and Q6_K four rows at a time
 * copied into a byte array ({@link CopiedRows}).
 *
 * <p>Why: {@code DotVector.f16} keeps one accumulator per row (the order {@link TiledMatMul}'s
 * batches reproduce), so a single row is bound by the FMA latency, and it widens halves with
 * about nine vector instructions per 16 lanes. Here a chunk of each of four rows is copied into a
 * short scratch, widened by a plain loop that C2 compiles to {@code vcvtph2ps} (the Vector API has
 * no half → float conversion), and the FMA pass then runs four independent chains sharing each
 * activation load. Every row still sums its products in its own lane accumulator in column order,
 * followed by {@link Lanes#sum} and the same scalar tail, so the bits do not change.
 *
 * <p>{@code -Dpith.decode.f16=off} / {@code -Dpith.decode.quant=off} turn them off (one row at a time
 * through {@link DotVector}), to compare.
 */
final class DecodeRows {
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Columns per chunk: 4 rows × 512 × (2 + 4) bytes = 12 KiB of scratch, well inside L1 (256-512 measured best). */
    static final int CHUNK = 512;
    private static final boolean ENABLED = !"off".equals(System.getProperty("pith.decode.f16"));

    /** Rows one per quarter of a thread's range per step (F32, F16); {@code -Dpith.decode.quarters=off}: four adjacent rows. */
    static final boolean QUARTERS = !"off".equals(System.getProperty("pith.decode.quarters"));

    private static final boolean Q_ENABLED = !"off".equals(System.getProperty("pith.decode.quant"));

    private DecodeRows() {}

    static boolean supports(DType type) {
        if (!DotVector.AVAILABLE || L != 16) return false;
        return switch (type) {
            case F16, F32 -> ENABLED;
            // Not Q4_0: its segment kernel streams as fast (measured), so it stays row by row.
            case Q8_0, Q4_K, Q6_K -> Q_ENABLED;
            default -> false;
        };
    }

    /** out[r] = row r · the one prepared activation vector, for r in [from, to). */
    static void run(DType type, MemorySegment w, long rowBytes, int from, int to, Activations a, int cols, float[] out) {
        if (type == DType.F16) {
            f16(w, rowBytes, from, to, a.values, cols, out);
            return;
        }
        if (type == DType.F32) {
            f32(w, rowBytes, from, to, a.values, cols, out);
            return;
        }
        int rb = Math.toIntExact(rowBytes);
        byte[] rows = new byte[4 * rb];
        int[] pairs = type == DType.Q4_K ? CopiedRows.pairSums(a.bsums, cols) : null;
        // Four rows per step, one from each quarter of the range: four streams from memory in flight
        // instead of one (four consecutive rows are one stream).
        int q = (to - from + 3) / 4;
        for (int k = 0; k < q; k++) {
            for (int s = 0; s < 4; s++) {
                int r = from + s * q + k;
                if (r < to) MemorySegment.copy(w, ValueLayout.JAVA_BYTE, r * rowBytes, rows, s * rb, rb);
            }
            for (int s = 0; s < 4; s++) {
                int r = from + s * q + k;
                if (r >= to) continue;
                int o = s * rb;
                out[r] = switch (type) {
                    case Q8_0 -> CopiedRows.q8_0(rows, o, a.values, a.d, cols / 32);
                    case Q4_K -> CopiedRows.q4_K(rows, o, a.values, a.d, pairs, cols / 256);
                    case Q6_K -> CopiedRows.q6_K(rows, o, a.values, a.d, cols / 256);
                    default -> throw new IllegalStateException("no copied-row kernel for " + type);
                };
            }
        }
    }

    /**
     * out[r] = row r · x for r in [from, to); F32 weights. Four rows in one loop: four streams from
     * memory in flight and four independent FMA chains sharing each activation load, where one row at
     * a time is one stream per thread (1B shape, 2 threads: ~19 GB/s of the machine's ~26). Each row
     * keeps {@link DotVector#f32}'s single accumulator, column order and scalar tail: the same bits.
     */
    static void f32(MemorySegment w, long rowBytes, int from, int to, float[] x, int cols, float[] out) {
        int vecEnd = cols - cols % L;
        // Rows r, r+step, r+2·step, r+3·step per loop: with QUARTERS one row from each quarter of the
        // range (four streams far apart: 1B FFN shape, 2 threads, 30.5 -> 32 GB/s), else four adjacent rows.
        int steps = (to - from) / 4, step = QUARTERS ? steps : 1;
        for (int k = 0; k < steps; k++) {
            int r = QUARTERS ? from + k : from + 4 * k;
            long o0 = r * rowBytes, o1 = o0 + step * rowBytes, o2 = o1 + step * rowBytes, o3 = o2 + step * rowBytes;
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            for (int i = 0; i < vecEnd; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, i);
                long c = 4L * i;
                acc0 = FloatVector.fromMemorySegment(F, w, o0 + c, ByteOrder.LITTLE_ENDIAN).fma(v, acc0);
                acc1 = FloatVector.fromMemorySegment(F, w, o1 + c, ByteOrder.LITTLE_ENDIAN).fma(v, acc1);
                acc2 = FloatVector.fromMemorySegment(F, w, o2 + c, ByteOrder.LITTLE_ENDIAN).fma(v, acc2);
                acc3 = FloatVector.fromMemorySegment(F, w, o3 + c, ByteOrder.LITTLE_ENDIAN).fma(v, acc3);
            }
            out[r] = f32Tail(w, o0, x, cols, vecEnd, Lanes.sum(acc0));
            out[r + step] = f32Tail(w, o1, x, cols, vecEnd, Lanes.sum(acc1));
            out[r + 2 * step] = f32Tail(w, o2, x, cols, vecEnd, Lanes.sum(acc2));
            out[r + 3 * step] = f32Tail(w, o3, x, cols, vecEnd, Lanes.sum(acc3));
        }
        for (int r = from + 4 * steps; r < to; r++) out[r] = DotVector.f32(w, r * rowBytes, x, 0, cols);
    }

    /** DotVector.f32's scalar tail for the columns past the last whole vector. */
    private static float f32Tail(MemorySegment w, long off, float[] x, int n, int vecEnd, float sum) {
        for (int i = vecEnd; i < n; i++) sum += Bytes.f32(w, off + 4L * i) * x[i];
        return sum;
    }

    /** out[r] = row r · x for r in [from, to); F16 weights, x the prepared (fp16-rounded) activations. */
    static void f16(MemorySegment w, long rowBytes, int from, int to, float[] x, int cols, float[] out) {
        short[] h = new short[4 * CHUNK];
        float[] f = new float[4 * CHUNK];
        // As f32: one row from each quarter of the range per step (four streams far apart), or four adjacent rows.
        int steps = (to - from) / 4, step = QUARTERS ? steps : 1;
        for (int k = 0; k < steps; k++) f16Four(w, rowBytes, QUARTERS ? from + k : from + 4 * k, step, x, cols, h, f, out);
        for (int r = from + 4 * steps; r < to; r++) out[r] = DotVector.f16(w, r * rowBytes, x, 0, cols);
    }

    /** Rows r, r+step, r+2·step, r+3·step, four at a time. */
    private static void f16Four(MemorySegment w, long rowBytes, int r, int step, float[] x, int n, short[] h, float[] f, float[] out) {
        long off = r * rowBytes, stride = step * rowBytes;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int vecEnd = n - n % L;
        for (int i = 0; i < vecEnd; i += CHUNK) {
            int len = Math.min(CHUNK, vecEnd - i);
            for (int rr = 0; rr < 4; rr++) MemorySegment.copy(w, SHORT_LE, off + rr * stride + 2L * i, h, rr * CHUNK, len);
            widen(h, f, 4 * CHUNK);
            for (int j = 0; j < len; j += L) {
                FloatVector v = FloatVector.fromArray(F, x, i + j);
                acc0 = FloatVector.fromArray(F, f, j).fma(v, acc0);
                acc1 = FloatVector.fromArray(F, f, CHUNK + j).fma(v, acc1);
                acc2 = FloatVector.fromArray(F, f, 2 * CHUNK + j).fma(v, acc2);
                acc3 = FloatVector.fromArray(F, f, 3 * CHUNK + j).fma(v, acc3);
            }
        }
        out[r] = tail(w, off, x, n, vecEnd, Lanes.sum(acc0));
        out[r + step] = tail(w, off + stride, x, n, vecEnd, Lanes.sum(acc1));
        out[r + 2 * step] = tail(w, off + 2 * stride, x, n, vecEnd, Lanes.sum(acc2));
        out[r + 3 * step] = tail(w, off + 3 * stride, x, n, vecEnd, Lanes.sum(acc3));
    }

    /**
     * Halves to floats, exactly ({@code Float.float16ToFloat}); C2 vectorises this loop to
     * {@code vcvtph2ps}. Converts the whole scratch (a short last chunk leaves stale values behind
     * its length, which the FMA pass does not read).
     */
    private static void widen(short[] h, float[] f, int len) {
        for (int j = 0; j < len; j++) f[j] = Float.float16ToFloat(h[j]);
    }

    /** DotVector.f16's scalar tail for the columns past the last whole vector. */
    private static float tail(MemorySegment w, long off, float[] x, int n, int vecEnd, float sum) {
        for (int i = vecEnd; i < n; i++) sum += Bytes.f16(w, off + 2L * i) * x[i];
        return sum;
    }
}
