package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.quant.Bytes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.pith.core.kernel.DotVector.F;
import static dev.pith.core.kernel.DotVector.L;

/**
 * Matrix × one vector (generation) where a kernel of its own beats {@link DotVector}'s row by row,
 * with the same bits: F32 and F16 four rows at a time (below), and Q4_K and Q6_K rows copied one at a
 * time into a byte array ({@link CopiedRows}) where {@link PackedGroups} is off for them; Q8_0 too
 * with {@code -Dpith.decode.q8_0=copied}.
 *
 * <p>Why: {@code DotVector.f16} keeps one accumulator per row (the order {@link TiledMatMul}'s
 * batches reproduce), so a single row is bound by the FMA latency, and it widens halves exactly with
 * about nine vector instructions per 16 lanes. Here four rows run four independent FMA chains sharing
 * each activation load, and a half becomes a float in three instructions by multiplying with
 * activations scaled by 2^112 (see {@link #f16Four}); on an AMD EPYC this read cache-resident F16
 * rows 17.5 → 25.5 GB/s on one thread (the earlier copy to a short scratch, widened by a loop that
 * C2 compiles to {@code vcvtph2ps}, cost a store and a reload per value). Every row still sums its
 * products in its own lane accumulator in column order, followed by {@link Lanes#sum} and the same
 * scalar tail, so the bits do not change.
 *
 * <p>{@code -Dpith.decode.f16=off} / {@code -Dpith.decode.quant=off} turn them off (one row at a time
 * through {@link DotVector}), to compare.
 */
final class DecodeRows {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final boolean ENABLED = !"off".equals(System.getProperty("pith.decode.f16"));

    /**
     * Which four rows an F32/F16 step takes: one from each quarter of a thread's range (four streams
     * far apart, the default) or four adjacent rows ({@code -Dpith.decode.quarters=off}). Measured on
     * the 1B FFN shape, 2 threads: a Xeon read F32 rows 5 % faster from quarters, an AMD EPYC (Zen 4)
     * F16 rows 1.5× faster (20 → 31 GB/s).
     */
    static final boolean QUARTERS = !"off".equals(System.getProperty("pith.decode.quarters"));

    /**
     * Copied quantized rows: how many adjacent rows one copy takes (one by default). A copy and the
     * arithmetic on it do not overlap on one thread (the copy waits for memory, then the kernel
     * computes from L1), and small copies keep the hardware prefetcher ahead of the next one: on an
     * AMD EPYC (Zen 4) whole llama-3.2-1b Q4_K_M generation ran 10.45 tokens/s (median of six
     * alternated runs) with four rows per copy and 11.9 with one (session 11). On a Xeon, four rows
     * copied one at a time from the quarters of the range beat one bulk copy of four by 5 % (session
     * 9). {@code -Dpith.decode.copyRows=N} to compare.
     */
    static final int COPY_ROWS = Math.max(1, Integer.getInteger("pith.decode.copyRows", 1));

    /**
     * Whether the F32/F16 column loops stay rolled (the default; {@code -Dpith.decode.rolled=off} lets
     * C2 unroll them). Unrolled, C2 emits each row's eight loads together and from the highest
     * address down; the four-row F32 loop then streamed a mapped llama-3.2-1b file at 25-26 GB/s on
     * an AMD EPYC (Zen 4), against 32-33 GB/s rolled and 31-32 for the same loop in C (gcc -O3,
     * alternated token by token, session 20). A loop is unrolled only when C2 sees it as counted,
     * with a constant stride, so the rolled loops step by {@link #rolledStep}, which C2 cannot fold.
     * The price: smollm2-135m's short F32 rows (576 and 1536 columns) generate 10-25 % slower rolled;
     * keeping them unrolled would take a second copy of the loop (bench/RESULTS.md, session 20).
     */
    static final boolean ROLLED = !"off".equals(System.getProperty("pith.decode.rolled"));

    /** {@link DotVector#L}, in a field that is not final: a loop stepping by it is not a counted loop, and C2 leaves it rolled. */
    @SuppressWarnings("FieldMayBeFinal")
    private static int rolledStep = L;

    private static final boolean Q_ENABLED = !"off".equals(System.getProperty("pith.decode.quant"));

    /**
     * Q8_0 rows where {@link PackedGroups} is off for them ({@code -Dpith.decode.q8_0=direct} or
     * {@code copied}): straight from the mapping ({@link DotVector#q8_0}) or from copies.
     * Copies won 5-15 % on a Xeon (session 6: 1B FFN shape, 2 threads, 13.5/11.8 → 14.1/13.8 GB/s)
     * but lose on an AMD EPYC (Zen 4), where a thread's bulk copy and its arithmetic do not
     * overlap while the kernel's own loads keep the hardware prefetcher running ahead: probe
     * 17.6-18.0 copied vs 19.6-29.0 GB/s direct, whole llama-3.2-1b Q8_0 generation 8.7-12.4 vs
     * 14.4-18.1 tokens/s (session 11, alternated). The K-quants keep their copies on both machines
     * (Zen 4 1B Q4_K_M: 10.6-11.2 copied vs 7.7-8.0 direct).
     */
    private static final boolean Q8_COPIED = "copied".equals(System.getProperty("pith.decode.q8_0", "direct"));

    private DecodeRows() {}

    /** Per thread: the copied rows, grown on demand, so that generation allocates nothing per token once warm. */
    private static final ThreadLocal<byte[][]> ROWS = ThreadLocal.withInitial(() -> new byte[][] {new byte[0]});

    /**
     * Per thread: the four rows' accumulators of {@link #f32} and {@link #f16Four}, stored and folded by
     * {@link Lanes#sum(float[], int, int)} (the vector fold's scalar twin: the same bits). Handing the
     * vectors to {@link Lanes#sum(FloatVector)} instead left two of the four calls out of line in C2's
     * compile of f16Four (NodeCountInliningCutoff), and a vector passed out of line is boxed: ~200 MB/s
     * of garbage during 1B F16 generation (JFR allocation samples, session 19).
     */
    private static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[4 * 16]);

    /** Per thread: F16 weights' activations times 2^112 (see {@link #f16Four}), made by each thread for its rows. */
    private static final ThreadLocal<float[][]> SCALED = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    static boolean supports(DType type) {
        if (!DotVector.AVAILABLE || L != 16) return false;
        return switch (type) {
            case F16, F32 -> ENABLED;
            // Not Q4_0: its segment kernel streams as fast (measured), so it stays row by row.
            case Q4_K, Q6_K -> Q_ENABLED;
            case Q8_0 -> Q_ENABLED && Q8_COPIED;
            default -> false;
        };
    }

    /** out[r] = row r · the one prepared activation vector, for r in [from, to). */
    static void run(DType type, MemorySegment w, long rowBytes, int from, int to, Activations a, int cols, float[] out) {
        run(type, w, rowBytes, from, to, a, cols, out, false);
    }

    /** {@link #run}, where {@code noSpecialHalves} says an F16 matrix holds no infinity and no NaN ({@link HalfSpecials}): its rows skip the check. */
    static void run(DType type, MemorySegment w, long rowBytes, int from, int to, Activations a, int cols, float[] out, boolean noSpecialHalves) {
        if (type == DType.F16) {
            f16(w, rowBytes, from, to, a.values, cols, out, noSpecialHalves);
            return;
        }
        if (type == DType.F32) {
            f32(w, rowBytes, from, to, a.values, cols, out);
            return;
        }
        int rb = Math.toIntExact(rowBytes);
        byte[][] holder = ROWS.get();
        if (holder[0].length < COPY_ROWS * rb) holder[0] = new byte[COPY_ROWS * rb];
        byte[] rows = holder[0];
        for (int first = from; first < to; first += COPY_ROWS) {
            int count = Math.min(COPY_ROWS, to - first);
            MemorySegment.copy(w, ValueLayout.JAVA_BYTE, first * rowBytes, rows, 0, count * rb);
            for (int s = 0; s < count; s++) {
                int o = s * rb;
                out[first + s] = switch (type) {
                    case Q8_0 -> CopiedRows.q8_0(rows, o, a.values, a.d, cols / 32);
                    case Q4_K -> CopiedRows.q4_K(rows, o, a.values, a.d, a.pairSums, cols / 256);
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
        f32(w, rowBytes, from, to, x, cols, out, QUARTERS);
    }

    /** {@link #f32} with the row order given ({@code quarters}: one row from each quarter of the range per step). */
    static void f32(MemorySegment w, long rowBytes, int from, int to, float[] x, int cols, float[] out, boolean quarters) {
        int vecEnd = cols - cols % L, by = ROLLED ? rolledStep : L;
        // Rows r, r+step, r+2·step, r+3·step per loop: with quarters one row from each quarter of the
        // range (four streams far apart: 1B FFN shape, 2 threads, 30.5 -> 32 GB/s), else four adjacent rows.
        int steps = (to - from) / 4, step = quarters ? steps : 1;
        float[] sums = SUMS.get();
        for (int k = 0; k < steps; k++) {
            int r = quarters ? from + k : from + 4 * k;
            long o0 = r * rowBytes, o1 = o0 + step * rowBytes, o2 = o1 + step * rowBytes, o3 = o2 + step * rowBytes;
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            for (int i = 0; i < vecEnd; i += by) {
                FloatVector v = FloatVector.fromArray(F, x, i);
                long c = 4L * i;
                acc0 = FloatVector.fromMemorySegment(F, w, o0 + c, ByteOrder.LITTLE_ENDIAN).fma(v, acc0);
                acc1 = FloatVector.fromMemorySegment(F, w, o1 + c, ByteOrder.LITTLE_ENDIAN).fma(v, acc1);
                acc2 = FloatVector.fromMemorySegment(F, w, o2 + c, ByteOrder.LITTLE_ENDIAN).fma(v, acc2);
                acc3 = FloatVector.fromMemorySegment(F, w, o3 + c, ByteOrder.LITTLE_ENDIAN).fma(v, acc3);
            }
            acc0.intoArray(sums, 0); acc1.intoArray(sums, L); acc2.intoArray(sums, 2 * L); acc3.intoArray(sums, 3 * L);
            out[r] = f32Tail(w, o0, x, cols, vecEnd, Lanes.sum(sums, 0, L));
            out[r + step] = f32Tail(w, o1, x, cols, vecEnd, Lanes.sum(sums, L, L));
            out[r + 2 * step] = f32Tail(w, o2, x, cols, vecEnd, Lanes.sum(sums, 2 * L, L));
            out[r + 3 * step] = f32Tail(w, o3, x, cols, vecEnd, Lanes.sum(sums, 3 * L, L));
        }
        for (int r = from + 4 * steps; r < to; r++) out[r] = DotVector.f32(w, r * rowBytes, x, 0, cols);
    }

    /** DotVector.f32's scalar tail for the columns past the last whole vector. */
    private static float f32Tail(MemorySegment w, long off, float[] x, int n, int vecEnd, float sum) {
        for (int i = vecEnd; i < n; i++) sum += Bytes.f32(w, off + 4L * i) * x[i];
        return sum;
    }

    /** {@link #f16} with x scaled by this thread into its own buffer ({@link #SCALED}). */
    static void f16(MemorySegment w, long rowBytes, int from, int to, float[] x, int cols, float[] out) {
        f16(w, rowBytes, from, to, x, cols, out, false);
    }

    /** {@link #f16}; {@code noSpecialHalves}: the rows are known to hold no infinity or NaN, so they are not checked for one. */
    static void f16(MemorySegment w, long rowBytes, int from, int to, float[] x, int cols, float[] out, boolean noSpecialHalves) {
        float[][] holder = SCALED.get();
        if (holder[0].length < cols) holder[0] = new float[cols];
        scaleForHalves(x, cols, holder[0]);
        f16(w, rowBytes, from, to, x, holder[0], cols, out, noSpecialHalves);
    }

    /** xs[0, cols) = x · 2^112 (exact for fp16-rounded x: below 2^16, so finite), the activations {@link #f16Four} multiplies with. */
    private static void scaleForHalves(float[] x, int cols, float[] xs) {
        for (int i = 0; i < cols; i++) xs[i] = x[i] * HALF_BIAS;
    }

    /**
     * out[r] = row r · x for r in [from, to); F16 weights, x the prepared (fp16-rounded) activations
     * and xs the same scaled by {@link #scaleForHalves}.
     */
    static void f16(MemorySegment w, long rowBytes, int from, int to, float[] x, float[] xs, int cols, float[] out, boolean noSpecialHalves) {
        // As f32: one row from each quarter of the range per step, or four adjacent rows.
        int steps = (to - from) / 4, step = QUARTERS ? steps : 1;
        float[] sums = SUMS.get();
        for (int k = 0; k < steps; k++) {
            int r = QUARTERS ? from + k : from + 4 * k;
            if (!f16Four(w, rowBytes, r, step, x, xs, cols, out, !noSpecialHalves, sums)) {
                // A row holds an infinity or a NaN: the bit trick below does not see them, the exact widening does.
                for (int s = 0; s < 4; s++) out[r + s * step] = DotVector.f16(w, (r + s * step) * rowBytes, x, 0, cols);
            }
        }
        for (int r = from + 4 * steps; r < to; r++) out[r] = DotVector.f16(w, r * rowBytes, x, 0, cols);
    }

    /** 2^112, the ratio of a half's value to the float whose exponent and mantissa fields hold the half's. */
    private static final float HALF_BIAS = 0x1p112f;
    private static final short SPECIAL = HalfSpecials.SPECIAL, MAGNITUDE = HalfSpecials.MAGNITUDE;

    /**
     * Rows r, r+step, r+2·step, r+3·step, four at a time, straight from the segment. A half's
     * exponent and mantissa bits, moved 13 places up into float position with its sign kept (sign
     * extension, shift, mask: three instructions per 16 lanes), are a float 2^112 times smaller than
     * the half; multiplied with x·2^112 ({@code xs}, exact: fp16-rounded activations stay below
     * 2^16, so it does not overflow) the product is the same real number as half times x, so each
     * FMA gives the bits of {@link DotVector#f16}'s, in the same lane and order. Subnormal halves
     * become subnormal floats, which the multiply handles exactly (Zen 4 is slower on subnormal
     * operands, 2× when every lane is one; in weights they are rare). Infinities and NaNs would become
     * finite floats: with {@code check}, returns false if a row holds one (the caller then takes the
     * exact path); without it the caller knows there is none ({@link HalfSpecials}).
     */
    private static boolean f16Four(MemorySegment w, long rowBytes, int r, int step, float[] x, float[] xs, int n, float[] out, boolean check,
                                   float[] sums) {
        long o0 = r * rowBytes, stride = step * rowBytes, o1 = o0 + stride, o2 = o1 + stride, o3 = o2 + stride;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        ShortVector top = ShortVector.zero(DotVector.S);
        int vecEnd = n - n % L, by = ROLLED ? rolledStep : L;
        for (int i = 0; i < vecEnd; i += by) {
            FloatVector v = FloatVector.fromArray(F, xs, i);
            long c = 2L * i;
            ShortVector h0 = ShortVector.fromMemorySegment(DotVector.S, w, o0 + c, LE), h1 = ShortVector.fromMemorySegment(DotVector.S, w, o1 + c, LE);
            ShortVector h2 = ShortVector.fromMemorySegment(DotVector.S, w, o2 + c, LE), h3 = ShortVector.fromMemorySegment(DotVector.S, w, o3 + c, LE);
            acc0 = halfBits(h0).fma(v, acc0);
            acc1 = halfBits(h1).fma(v, acc1);
            acc2 = halfBits(h2).fma(v, acc2);
            acc3 = halfBits(h3).fma(v, acc3);
            // two of the seven instructions per 16 weights: skipped where HalfSpecials has scanned the matrix
            if (check) top = top.max(h0.and(MAGNITUDE)).max(h1.and(MAGNITUDE)).max(h2.and(MAGNITUDE)).max(h3.and(MAGNITUDE));
        }
        // The scalar tails widen exactly, so only the vector part needs the check.
        if (top.compare(VectorOperators.GE, SPECIAL).anyTrue()) return false;
        acc0.intoArray(sums, 0); acc1.intoArray(sums, L); acc2.intoArray(sums, 2 * L); acc3.intoArray(sums, 3 * L);
        out[r] = tail(w, o0, x, n, vecEnd, Lanes.sum(sums, 0, L));
        out[r + step] = tail(w, o1, x, n, vecEnd, Lanes.sum(sums, L, L));
        out[r + 2 * step] = tail(w, o2, x, n, vecEnd, Lanes.sum(sums, 2 * L, L));
        out[r + 3 * step] = tail(w, o3, x, n, vecEnd, Lanes.sum(sums, 3 * L, L));
        return true;
    }

    /** The float whose exponent and mantissa fields are the half's (sign kept): the half's value times 2^-112. */
    private static FloatVector halfBits(ShortVector h) {
        IntVector bits = (IntVector) h.convertShape(VectorOperators.S2I, DotVector.I, 0);
        return bits.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats();
    }

    /** DotVector.f16's scalar tail for the columns past the last whole vector. */
    private static float tail(MemorySegment w, long off, float[] x, int n, int vecEnd, float sum) {
        for (int i = vecEnd; i < n; i++) sum += Bytes.f16(w, off + 2L * i) * x[i];
        return sum;
    }
}
