package dev.pith.core.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link KQuantizer#makeQxQuants} for the sixteen 16-value sub-blocks of a Q6_K super-block at
 * once, one sub-block per vector lane. Byte parity with ggml needs every sub-block's floats added
 * in ggml's order (element 0, 1, 2 ... of that sub-block), which a vector ACROSS a sub-block would
 * break; lanes that each own a whole sub-block keep that order exactly, and the lanewise multiply,
 * add and divide are the same IEEE single-precision operations the scalar code does (the Vector
 * API never fuses a multiply and an add). The super-block is transposed once so that lane j reads
 * sub-block j's element i from one contiguous vector. ggml's nearest_int (add 1.5·2^23, read the
 * low bits) is done in floats: (v + 1.5·2^23) − 1.5·2^23 is the same round-half-to-even for the
 * |v| ≤ 33 this search ever rounds (|x| ≤ |max|), so no integer lanes are needed. The scalar twin is makeQxQuants itself;
 * QxLanesTest compares the two bit for bit.
 *
 * <p>This search is 80 % of `pith quantize --type Q4_0` on a tied-embedding model (the embedding
 * becomes Q6_K, 128k × 2048 values for llama-3.2-1b), hence a kernel of its own.
 */
final class QxLanes {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() >= 16 ? FloatVector.SPECIES_512
            : FloatVector.SPECIES_PREFERRED.length() >= 8 ? FloatVector.SPECIES_256 : FloatVector.SPECIES_128;
    private static final int N = 16, NMAX = 32;
    /** Whether the lanes are used (ggml's results either way); off with -Dpith.quant.scalar=true, for the comparison tests. */
    static final boolean ENABLED = !Boolean.getBoolean("pith.quant.scalar");

    private QxLanes() {}

    /**
     * make_qx_quants(16, 32, …, rmse_type 1) of x[xo + 16j .. xo + 16j + 16) for j = 0..15: the
     * codes L[16j + i] = l + 32 and the returned scales[j]; weights qw[qo + 16j + i] when qw is
     * not null, else x².
     */
    static void search(float[] x, int xo, float[] qw, int qo, byte[] L, float[] scales) {
        Scratch s = searchKeepingCodes(SCRATCH.get(), x, xo, qw, qo, scales);
        if (s == null) {
            scalarSearch(x, xo, qw, qo, L, scales);
            return;
        }
        for (int j = 0; j < N; j++) s.codes(j, L, N * j);
    }

    /** The scalar twin, sub-block by sub-block. */
    static void scalarSearch(float[] x, int xo, float[] qw, int qo, byte[] L, float[] scales) {
        for (int j = 0; j < N; j++) scales[j] = KQuantizer.makeQxQuants(N, NMAX, x, xo + N * j, L, N * j, qw, qw == null ? 0 : qo + N * j);
    }

    /**
     * As {@link #search}, but the codes stay in {@code s} (this thread's {@link #SCRATCH}, returned) until its next
     * search: q6_K recomputes every code from the stored scales and keeps the search's only where a
     * scale rounds to 0. Null where a value is not finite (∞·0 and NaN codes follow ggml's integer
     * bit trick, which the float lanes do not copy): the caller runs {@link #scalarSearch}.
     */
    static Scratch searchKeepingCodes(Scratch s, float[] x, int xo, float[] qw, int qo, float[] scales) {
        float[] xt = s.xt, wt = s.wt, wxt = s.wxt; // every element is written below before it is read
        // transposed by gathers: lane k of row i is element i of sub-block j0 + k
        VectorMask<Float> finite = F.maskAll(true);
        for (int j0 = 0; j0 < N; j0 += F.length()) {
            for (int i = 0; i < N; i++) {
                FloatVector v = FloatVector.fromArray(F, x, xo + N * j0 + i, COLUMN, 0);
                FloatVector w = qw != null ? FloatVector.fromArray(F, qw, qo + N * j0 + i, COLUMN, 0) : v.mul(v);
                finite = finite.and(v.abs().compare(VectorOperators.LE, Float.MAX_VALUE));
                v.intoArray(xt, N * i + j0);
                w.intoArray(wt, N * i + j0);
                w.mul(v).intoArray(wxt, N * i + j0); // ggml's sumlx += w*x*l multiplies w*x first, the same product every trial
            }
        }
        if (!finite.allTrue()) return null;
        for (int j0 = 0; j0 < N; j0 += F.length()) search(xt, wt, wxt, j0, s.iscales, scales, s.state);
        return s;
    }

    /** Element offsets of lane k's sub-block: 16k. */
    private static final int[] COLUMN = new int[F.length()];

    static {
        for (int k = 0; k < COLUMN.length; k++) COLUMN[k] = N * k;
    }

    /**
     * One thread's work arrays, reused for every super-block: allocating (and zeroing) 4 KB per
     * block of 256 values was a sixth of the search's samples on the 1B embedding's million blocks.
     */
    static final class Scratch {
        final float[] xt = new float[256], wt = new float[256], wxt = new float[256];
        /** Per sub-block, the iscale of the trial the search kept (NaN: below ggml's epsilon, codes 0). */
        final float[] iscales = new float[16];
        final byte[] codes = new byte[256];
        final float[] scales = new float[16];
        /** The best trial so far of one search, per lane: its scale, error and iscale ({@link #SCALE} …). */
        final float[] state = new float[3 * 16];

        /** The codes (l + 32) the last search chose for sub-block j into L[lo .. lo+16). */
        void codes(int j, byte[] L, int lo) {
            // the search keeps no codes, only the winning trial's iscale: the codes are made again from it
            // by the same float product and rounding (scalar here: equal for the |v| ≤ 33 rounded)
            float iscale = iscales[j];
            for (int i = 0; i < N; i++) {
                L[lo + i] = Float.isNaN(iscale) ? 0 : (byte) (Math.max(-NMAX, Math.min(NMAX - 1, KQuantizer.nearestInt(iscale * xt[N * i + j]))) + NMAX);
            }
        }
    }

    static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * q6_K's last pass: the codes of each sub-block j whose d_j = d · sc[so + j] is not 0
     * ({@link LaneCodes}); the others keep the search's codes, from {@code search} when it is not
     * null (the lanes kept them there), else already in L.
     */
    static void requantize(float[] x, int xo, float d, byte[] sc, int so, byte[] L, Scratch search) {
        for (int j = 0; j < N; j++) {
            float dj = d * sc[so + j];
            if (dj != 0) LaneCodes.codes(x, xo + N * j, N, 0f, dj, -NMAX, NMAX - 1, NMAX, L, N * j);
            else if (search != null) search.codes(j, L, N * j);
        }
    }

    /**
     * clamp(nearest_int(v), -32, 31) as a float: v + 1.5·2^23 lies in [2^23, 2^24) for the |v| ≤ 33
     * rounded here, where a float's bits grow with its value, so the clamp is an integer min and max
     * of the bits (one instruction each; a float min/max with Java's −0 and NaN rules is several). An
     * all-zero sub-block's NaN (0·∞) becomes a code in range instead of NaN; that lane's scale is set
     * to 0 at the end and {@link Scratch#codes} gives it codes 0.
     */
    private static FloatVector code(FloatVector v) {
        // kept under the JIT's 35-byte limit for inlining at any call site: out of line, its vectors are boxed
        return v.add(MAGIC).reinterpretAsInts().max(LOWEST_BITS).min(HIGHEST_BITS).reinterpretAsFloats().sub(MAGIC);
    }

    /** Rows of {@link Scratch#state}. */
    private static final int SCALE = 0, BEST_ERROR = 16, BEST_ISCALE = 32;
    private static final float MAGIC = 12582912f;
    private static final int MAGIC_BITS = Float.floatToRawIntBits(MAGIC);
    /** The bits of 1.5·2^23 − 32 and 1.5·2^23 + 31. */
    private static final int LOWEST_BITS = MAGIC_BITS - NMAX, HIGHEST_BITS = MAGIC_BITS + NMAX - 1;

    /**
     * The searches of sub-blocks j0 .. j0 + lanes: their scales, and in iscales the iscale of the trial
     * each kept (the codes are not copied at every better trial; {@link Scratch#codes} remakes them).
     */
    private static void search(float[] xt, float[] wt, float[] wxt, int j0, float[] iscales, float[] scales, float[] state) {
        // signedAbsMax: strictly larger magnitude replaces, so the first of equal magnitudes stays
        FloatVector max = FloatVector.zero(F), amax = FloatVector.zero(F);
        for (int i = 0; i < N; i++) {
            FloatVector v = FloatVector.fromArray(F, xt, N * i + j0);
            FloatVector av = v.abs();
            VectorMask<Float> bigger = av.compare(VectorOperators.GT, amax);
            amax = amax.blend(av, bigger);
            max = max.blend(v, bigger);
        }
        VectorMask<Float> empty = amax.compare(VectorOperators.LT, 1e-15f);
        FloatVector iscale = FloatVector.broadcast(F, (float) -NMAX).div(max);
        FloatVector sumlx = FloatVector.zero(F), suml2 = FloatVector.zero(F);
        for (int i = 0; i < N; i++) {
            FloatVector l = code(iscale.mul(FloatVector.fromArray(F, xt, N * i + j0)));
            sumlx = sumlx.add(FloatVector.fromArray(F, wxt, N * i + j0).mul(l));
            suml2 = suml2.add(FloatVector.fromArray(F, wt, N * i + j0).mul(l).mul(l));
        }
        VectorMask<Float> nonzero = suml2.compare(VectorOperators.NE, 0f);
        FloatVector scale = FloatVector.zero(F).blend(sumlx.div(suml2), nonzero);
        // The best trial so far lives in the state array between trials: carried in registers through the
        // loop's continue paths, C2 boxed those vectors (~0.9 KB a search; EncoderBench prints bytes per value).
        scale.intoArray(state, SCALE);
        scale.mul(sumlx).intoArray(state, BEST_ERROR);
        iscale.intoArray(state, BEST_ISCALE);
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = FloatVector.broadcast(F, -(NMAX + 0.1f * is)).div(max);
            sumlx = FloatVector.zero(F);
            suml2 = FloatVector.zero(F);
            for (int i = 0; i < N; i++) {
                FloatVector l = code(iscale.mul(FloatVector.fromArray(F, xt, N * i + j0)));
                sumlx = sumlx.add(FloatVector.fromArray(F, wxt, N * i + j0).mul(l));
                suml2 = suml2.add(FloatVector.fromArray(F, wt, N * i + j0).mul(l).mul(l));
            }
            FloatVector bestErr = FloatVector.fromArray(F, state, BEST_ERROR);
            VectorMask<Float> better = suml2.compare(VectorOperators.GT, 0f)
                    .and(sumlx.mul(sumlx).compare(VectorOperators.GT, bestErr.mul(suml2)));
            if (!better.anyTrue()) continue;
            FloatVector.fromArray(F, state, BEST_ISCALE).blend(iscale, better).intoArray(state, BEST_ISCALE);
            scale = FloatVector.fromArray(F, state, SCALE).blend(sumlx.div(suml2), better);
            scale.intoArray(state, SCALE);
            bestErr.blend(scale.mul(sumlx), better).intoArray(state, BEST_ERROR);
        }
        scale = FloatVector.fromArray(F, state, SCALE);
        FloatVector bestIscale = FloatVector.fromArray(F, state, BEST_ISCALE);
        // a sub-block below ggml's GROUP_MAX_EPS gets scale 0 and codes 0, i.e. l = −32 (makeQxQuants writes L = 0 there)
        scale.blend(0f, empty).intoArray(scales, j0);
        bestIscale.blend(Float.NaN, empty).intoArray(iscales, j0);
    }
}
