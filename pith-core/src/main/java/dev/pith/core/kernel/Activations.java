package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.quant.ActivationQuantizer;
import dev.pith.core.quant.Bf16;

/**
 * Activation vectors converted once, before a matrix product, to what llama.cpp's CPU backend
 * multiplies with weights of a given type (see {@link ActivationQuantizer#vecDotType}).
 *
 * <p>{@code values} holds, per element: x itself for F32 weights, x rounded to fp16 / bf16 for
 * F16 / BF16 weights, and the int8 quant as a float for Q8 types. The float copy of the quants lets
 * the vector kernels multiply in float lanes: every product and every partial sum in a block is an
 * integer below 2^24, so float arithmetic gives the same integer sums as ggml's int8 arithmetic.
 *
 * <p>One instance per calling thread is reused so that repeated products allocate nothing once
 * warm.
 */
final class Activations {
    private static final ThreadLocal<Activations> PER_THREAD = ThreadLocal.withInitial(Activations::new);

    DType type;
    int cols;
    /** How many vectors the last {@link #prepare} converted. */
    int n;
    float[] values;
    private float[] buffer = new float[0];
    private float[] dequantized = new float[0];
    byte[] qs = new byte[0];
    float[] d = new float[0];
    float[] s = new float[0];
    short[] bsums = new short[0];
    /** See {@link #subBlockSums}, {@link #q4Offsets} and {@link #doubledQuants}: made on first ask after each {@link #prepare}. */
    private int[] subBlockSums = new int[0];
    private short[] q4Offsets = new short[0];
    private int[] doubledQuants = new int[0];
    private boolean sumsReady, offsetsReady, doubledReady;
    /** One Q8_K vector: its 32-value sums, for {@link CopiedRows#q4_K}. */
    int[] pairSums = new int[0];

    static Activations forThread() { return PER_THREAD.get(); }

    /** Converts {@code n} vectors of {@code cols} floats for weights of type {@code weightType}. */
    Activations prepare(DType weightType, float[] x, int n, int cols) {
        this.type = ActivationQuantizer.vecDotType(weightType);
        this.cols = cols;
        this.n = n;
        int len = n * cols;
        switch (type) {
            case F32 -> values = x;
            case F16, BF16 -> {
                ensureValues(len);
                if (len >= PARALLEL_VALUES && n > 1) Parallel.forRange(n, 1, (a, b) -> round(x, a * cols, b * cols));
                else round(x, 0, len);
            }
            case Q8_0, Q8_1, Q8_K -> quantize(x, n, cols, len);
            default -> throw new IllegalStateException("unexpected activation type " + type);
        }
        sumsReady = offsetsReady = doubledReady = false;
        if (n == 1) prepareForGeneration(cols);
        return this;
    }

    /**
     * The 32-value sums of one Q8_K vector, which {@link CopiedRows#q4_K} reads, made once per
     * product here rather than by every thread for its share of the rows. (F16's scaled activations
     * are made by each thread into its own buffer instead: read from the caller's array, 1B F16
     * generation on an AMD EPYC ran 5-15 % slower, session 11.)
     */
    private void prepareForGeneration(int cols) {
        if (type == DType.Q8_K) {
            if (pairSums.length < cols / 32) pairSums = new int[cols / 32];
            CopiedRows.pairSums(bsums, cols, pairSums);
        }
    }

    /**
     * The vectors' sums of each 32 quants (Q8_0 blocks, Q8_K sub-blocks), for {@link Q4_KGroups}.
     * Made on first ask per product, by the caller before the rows are split over threads.
     */
    int[] subBlockSums() {
        if (!sumsReady) {
            int blocks = n * cols / 32;
            if (subBlockSums.length < blocks) subBlockSums = new int[blocks];
            for (int b = 0; b < blocks; b++) {
                int sum = 0;
                for (int j = 0; j < 32; j++) sum += qs[32 * b + j];
                subBlockSums[b] = sum;
            }
            sumsReady = true;
        }
        return subBlockSums;
    }

    /**
     * Per 32 quants, −8 × their sum (|·| ≤ 8·127·32: a short): where {@link Q4_0Groups} and
     * {@link Q4_KGroups} start their 16-bit block sums. Made as {@link #subBlockSums} is.
     */
    short[] q4Offsets() {
        if (!offsetsReady) {
            int[] sums = subBlockSums();
            int blocks = n * cols / 32;
            if (q4Offsets.length < blocks) q4Offsets = new short[blocks];
            for (int b = 0; b < blocks; b++) q4Offsets[b] = (short) (-8 * sums[b]);
            offsetsReady = true;
        }
        return q4Offsets;
    }

    /**
     * Each quant held twice in an int ({@code (q & 0xFFFF) · 0x10001}): a kernel with 16-bit lanes
     * broadcasts it with a 32-bit load ({@code vpbroadcastd} from memory, a load alone) instead of a
     * byte load, a sign extension and a broadcast from a general register. Made as {@link #subBlockSums} is.
     */
    int[] doubledQuants() {
        if (!doubledReady) {
            int len = n * cols;
            if (doubledQuants.length < len) doubledQuants = new int[len];
            for (int i = 0; i < len; i++) doubledQuants[i] = heldTwice(qs[i]);
            doubledReady = true;
        }
        return doubledQuants;
    }

    /** q's 16-bit two's complement in both halves of an int: broadcast as ints, the lanes read as shorts are all q. */
    static int heldTwice(int q) {
        return (q & 0xFFFF) * 0x10001;
    }

    /** Below this many values the quantization stays on the calling thread (a fork costs more). */
    private static final int PARALLEL_VALUES = 1 << 14;

    private void quantize(float[] x, int n, int cols, int len) {
        ensureValues(len);
        if (qs.length < len) qs = new byte[len];
        int blocks = len / type.blockSize();
        if (d.length < blocks) d = new float[blocks];
        if (type == DType.Q8_1 && s.length < blocks) s = new float[blocks];
        if (type == DType.Q8_K && bsums.length < len / 16) bsums = new short[len / 16];
        // Vectors are quantized independently: a prompt's are split over the threads (serial, this
        // was a fixed share of every prompt product that a second thread could not shorten).
        if (len >= PARALLEL_VALUES && n > 1) Parallel.forRange(n, 1, (a, b) -> quantizeVectors(x, a, b, cols));
        else quantizeVectors(x, 0, n, cols);
    }

    /** x[from, to) rounded to fp16 or bf16 into values. */
    private void round(float[] x, int from, int to) {
        if (type == DType.F16) HalfRound.round(x, values, from, to);
        else for (int i = from; i < to; i++) values[i] = Bf16.round(x[i]);
    }

    /** Vectors [from, to) of x into qs/d (and s or bsums) and their quants as floats into values. */
    private void quantizeVectors(float[] x, int from, int to, int cols) {
        int o = from * cols, count = (to - from) * cols, bs = type.blockSize();
        switch (type) {
            case Q8_0 -> ActivationQuantizer.q8_0(x, o, count, qs, o, d, o / bs);
            case Q8_1 -> ActivationQuantizer.q8_1(x, o, count, qs, o, d, s, o / bs);
            case Q8_K -> ActivationQuantizer.q8_K(x, o, count, qs, o, d, o / bs, bsums, o / 16);
            default -> throw new IllegalStateException();
        }
        for (int i = o; i < o + count; i++) values[i] = qs[i];
    }

    /**
     * The prepared activations as the floats they stand for: {@code values} for F32/F16/BF16, each
     * Q8 quant times its block scale otherwise. A float product of these with dequantized weights
     * is, in exact arithmetic, what ggml's vec_dot computes from the quants (the Q8_1 sums and Q8_K
     * block sums are sums of these same values), so prompt products through {@link PackedGemm}
     * differ from the single-vector ones by float rounding only.
     */
    float[] asFloats(int n) {
        if (values == null || !type.isQuantized()) return values;
        int len = n * cols;
        if (dequantized.length < len) dequantized = new float[len];
        int bs = type.blockSize();
        for (int i = 0; i < len; i++) dequantized[i] = values[i] * d[i / bs];
        return dequantized;
    }

    /** Points {@code values} at this instance's own buffer (never at the caller's x), grown to {@code len}. */
    private void ensureValues(int len) {
        if (buffer.length < len) buffer = new float[len];
        values = buffer;
    }
}
