package dev.pith.core.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link KQuantizer#makeQkx2Quants} (ggml's make_qkx2_quants, the scale-and-min search of Q4_K and
 * Q5_K, and with 16-value sub-blocks and absolute errors of Q2_K; the importance-weighted
 * quantizers' make_qkx3_quants is the same search with given weights)
 * for the eight 32-value sub-blocks of a super-block at once, one sub-block per lane of an
 * 8-float vector, or of two super-blocks in the 16 lanes of a 512-bit vector where there is one (the
 * same instructions then search twice the values). It is most of `pith quantize --type Q4_K_M`.
 * As in {@link QxLanes}, a lane owns a whole sub-block, so its sums are added in ggml's order and
 * every step is the scalar code's IEEE operation (multiply, add, divide, square root, never fused);
 * ggml's nearest_int becomes (v + 1.5·2^23) − 1.5·2^23, the same round-half-to-even for the
 * |v| < 2^22 the search rounds; "if (x < min) min = x" is a compare and blend, not a lanewise minimum
 * (which would differ on −0). The search also makes the sub-blocks' weights (ggml's
 * av_x + |x|, from the lanes' sums of squares) and gives up (returns null) where that rounding could
 * see an infinity or a value beyond 2^22: values beyond ±1e30, non-finite values, sub-blocks narrower
 * than 1e-30 but not flat, or a min found so far far outside its sub-block; the caller then runs the
 * scalar search. Qkx2LanesTest compares the bytes of both on random and edge-case blocks.
 */
final class Qkx2Lanes {
    /** 16 lanes where the machine has them (two super-blocks side by side), else 8 (one). */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() >= 16 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private static final int W = F.length();
    /** How many super-blocks one {@link #search} runs side by side. */
    static final int BLOCKS = W / 8;
    private static final float MAGIC = 12582912f;
    private static final int MAGIC_BITS = Float.floatToRawIntBits(MAGIC);
    /** Below 2^22 in magnitude the float rounding equals nearest_int's bit trick. */
    private static final float ROUNDABLE = 4194304f;
    /** Whether the lanes are used; off with -Dpith.quant.scalar=true (the scalar search, for comparisons). */
    static final boolean ENABLED = !Boolean.getBoolean("pith.quant.scalar");

    private Qkx2Lanes() {}

    /**
     * One thread's search: its work arrays, reused for every super-block (4 KB allocated and zeroed
     * per block was measurable), and the codes its last {@link #search} chose.
     */
    static final class Search {
        final float[] xt = new float[32 * W], wt = new float[32 * W], cur = new float[32 * W];
        final float[] st = new float[W * STATE], scales = new float[W], mins = new float[W];

        private int nmax, n;

        /**
         * The codes the search chose for sub-block j of block b (subBlock = 8b + j) into L[lo .. lo+n).
         * The quantizers recompute every code from the stored (rounded) scales and keep these only
         * where that scale is 0, so the search keeps no codes: it keeps the winning trial's iscale and
         * the min it rounded against, and the codes are made again here, when needed, by the same
         * float operations (scalar ones: equal to the lanes' for the |v| < 2^22 the search rounded).
         */
        void codes(int subBlock, byte[] L, int lo) {
            int k = subBlock;
            if (st[W * MAX + k] == st[W * FLAT_MIN + k]) { // a flat sub-block: codes 0
                for (int i = 0; i < n; i++) L[lo + i] = 0;
                return;
            }
            float iscale = st[W * BEST_ISCALE + k], min = st[W * BEST_FROM + k];
            for (int i = 0; i < n; i++) {
                L[lo + i] = (byte) Math.max(0, Math.min(nmax, KQuantizer.nearestInt(iscale * (xt[W * i + k] - min))));
            }
        }
    }

    private static final ThreadLocal<Search> SEARCH = ThreadLocal.withInitial(Search::new);

    /**
     * The searches of {@code blocks} (1 .. {@link #BLOCKS}) consecutive super-blocks, eight sub-blocks
     * each, with ggml's Q4_K/Q5_K weights: sub-block j of block b is x[xo + 256b + 32j ..); scales go
     * to scales[8b + j] and −min to mins[8b + j], as makeQkx2Quants(32, nmax, …, rmin, 0.1, nstep,
     * false), and the codes stay in the returned (this thread's) Search. Lanes beyond the blocks given
     * search a copy of block 0 (every lane's search is its own, so a copy changes nothing). Null where
     * the lanes would not give the scalar result (see the class comment).
     */
    static Search search(float[] x, int xo, int blocks, int nmax, float rmin, int nstep, float[] scales, float[] mins) {
        return run(x, xo, 32, 8 * blocks, AV_X, null, 0, nmax, rmin, 0.1f, nstep, false, scales, mins);
    }

    /**
     * As {@link #search}, with the caller's weights (w[wo + 256b + 32j + i] for value i of sub-block j of
     * block b: the importance-weighted quantizers' make_qkx3_quants, which does the same float
     * operations as make_qkx2_quants with given weights) and trial step {@code rdelta}.
     */
    static Search searchWeighted(float[] x, int xo, float[] w, int wo, int blocks, int nmax, float rmin, float rdelta, int nstep,
                                 float[] scales, float[] mins) {
        return run(x, xo, 32, 8 * blocks, GIVEN, w, wo, nmax, rmin, rdelta, nstep, false, scales, mins);
    }

    /**
     * The 16-value sub-blocks of Q2_K: {@code count} (≤ lanes) consecutive sub-blocks x[xo + 16k ..),
     * make_qkx2_quants(16, nmax, …, rmin, rdelta, nstep, mad) with weights w[wo + 16k + i], or |x|
     * (quantize_row_q2_K_ref's) where w is null; scales[k], −min in mins[k].
     */
    static Search searchSixteens(float[] x, int xo, int count, float[] w, int wo, int nmax, float rmin, float rdelta, int nstep,
                                 boolean mad, float[] scales, float[] mins) {
        return run(x, xo, 16, count, w == null ? ABS_X : GIVEN, w, wo, nmax, rmin, rdelta, nstep, mad, scales, mins);
    }

    /** Lanes per search: {@link #search} covers W / 8 super-blocks of 32-value sub-blocks, {@link #searchSixteens} W sub-blocks. */
    static int lanes() {
        return W;
    }

    /** How the weights are made: given by the caller, ggml's av_x + |x| (Q4_K/Q5_K), or |x| (Q2_K). */
    private static final int GIVEN = 0, AV_X = 1, ABS_X = 2;

    /**
     * The search of {@code count} consecutive sub-blocks of n values (lane k: sub-block k; lanes
     * beyond count search a copy of sub-block k mod count, which changes nothing, and are dropped).
     */
    private static Search run(float[] x, int xo, int n, int count, int weights, float[] w, int wo, int nmax, float rmin, float rdelta,
                              int nstep, boolean mad, float[] scales, float[] mins) {
        Search s = SEARCH.get();
        float[] xt = s.xt, wt = s.wt, st = s.st; // written below before they are read
        for (int lane = 0; lane < W; lane++) {
            int at = n * (lane < count ? lane : lane % count);
            for (int i = 0; i < n; i++) xt[W * i + lane] = x[xo + at + i];
            if (weights == GIVEN) for (int i = 0; i < n; i++) wt[W * i + lane] = w[wo + at + i];
        }
        // per-lane state between the steps, in small arrays: one method per step keeps each small
        // enough for the JIT to compile every vector operation to an instruction
        s.nmax = nmax;
        s.n = n;
        if (!start(xt, wt, n, nmax, st, weights, mad)) return null;
        for (int is = 0; is <= nstep; is++) {
            if (!step(xt, wt, n, rmin + rdelta * is + nmax, nmax, s.cur, st, mad)) return null;
        }
        FloatVector max = FloatVector.fromArray(F, st, W * MAX), min = FloatVector.fromArray(F, st, W * MIN);
        VectorMask<Float> flat = max.compare(VectorOperators.EQ, FloatVector.fromArray(F, st, W * FLAT_MIN));
        // a flat sub-block: codes 0, scale 0, and −min of its (clamped) minimum
        FloatVector.fromArray(F, st, W * SCALE).blend(0f, flat).intoArray(s.scales, 0);
        min.neg().intoArray(s.mins, 0);
        System.arraycopy(s.scales, 0, scales, 0, count);
        System.arraycopy(s.mins, 0, mins, 0, count);
        return s;
    }

    /** Rows of the state array: W lanes each. */
    private static final int MIN = 0, MAX = 1, SUM_W = 2, SUM_X = 3, SCALE = 4, BEST_ERROR = 5, FLAT_MIN = 6, LOWEST = 7,
            BEST_ISCALE = 8, BEST_FROM = 9, TRIAL_SCALE = 10, STATE = 11;

    /**
     * The sub-blocks' weights (av_x + |x| with av_x = √(Σx²/32), or |x|, or already in wt), lowest value, min (clamped to ≤ 0), max,
     * weighted sums, and the first codes at scale (max − min)/nmax; false where the lanes would not
     * give the scalar result (values beyond ±1e30 or not finite, a width under 1e-30 but not 0).
     */
    private static boolean start(float[] xt, float[] wt, int n, int nmax, float[] st, int weights, boolean mad) {
        FloatVector min = FloatVector.fromArray(F, xt, 0), max = min, sumX2 = FloatVector.zero(F);
        VectorMask<Float> finite = F.maskAll(true);
        for (int i = 0; i < n; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, W * i);
            finite = finite.and(xi.abs().compare(VectorOperators.LE, 1e30f));
            min = min.blend(xi, xi.compare(VectorOperators.LT, min));
            max = max.blend(xi, xi.compare(VectorOperators.GT, max));
            sumX2 = sumX2.add(xi.mul(xi));
        }
        if (!finite.allTrue()) return false;
        min.intoArray(st, W * LOWEST);
        min = min.blend(0f, min.compare(VectorOperators.GT, 0f));
        FloatVector width = max.sub(min);
        if (width.compare(VectorOperators.NE, 0f).and(width.compare(VectorOperators.LT, 1e-30f)).anyTrue()) return false;
        // ggml: av_x = sqrtf(sum_x2/32) (a float square root is correctly rounded, as sqrt in double then rounded is)
        if (weights == AV_X) {
            FloatVector avX = sumX2.div(32f).sqrt();
            for (int i = 0; i < n; i++) avX.add(FloatVector.fromArray(F, xt, W * i).abs()).intoArray(wt, W * i);
        } else if (weights == ABS_X) {
            for (int i = 0; i < n; i++) FloatVector.fromArray(F, xt, W * i).abs().intoArray(wt, W * i);
        }
        FloatVector x0 = FloatVector.fromArray(F, xt, 0);
        FloatVector sumW = FloatVector.fromArray(F, wt, 0), sumX = sumW.mul(x0);
        for (int i = 1; i < n; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, W * i), wi = FloatVector.fromArray(F, wt, W * i);
            sumW = sumW.add(wi);
            sumX = sumX.add(wi.mul(xi));
        }
        FloatVector iscale = FloatVector.broadcast(F, (float) nmax).div(width);
        FloatVector scale = FloatVector.broadcast(F, 1f).div(iscale);
        FloatVector bestError = FloatVector.zero(F);
        for (int i = 0; i < n; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, W * i);
            FloatVector l = code(iscale.mul(xi.sub(min)), nmax);
            FloatVector diff = scale.mul(l).add(min).sub(xi);
            bestError = bestError.add(FloatVector.fromArray(F, wt, W * i).mul(mad ? diff.abs() : diff.mul(diff)));
        }
        min.intoArray(st, W * MIN);
        min.intoArray(st, W * FLAT_MIN);
        max.intoArray(st, W * MAX);
        sumW.intoArray(st, W * SUM_W);
        sumX.intoArray(st, W * SUM_X);
        scale.intoArray(st, W * SCALE);
        bestError.intoArray(st, W * BEST_ERROR);
        iscale.intoArray(st, W * BEST_ISCALE);
        min.intoArray(st, W * BEST_FROM);
        return true;
    }

    /** One trial scale (nmax + rmin + rdelta·is)/(max − min): least-squares scale and min for its codes, kept where the error is lower. */
    private static boolean step(float[] xt, float[] wt, int n, float numerator, int nmax, float[] cur, float[] st, boolean mad) {
        FloatVector min = FloatVector.fromArray(F, st, W * MIN), max = FloatVector.fromArray(F, st, W * MAX);
        // ggml divides by max − min with the min found so far, not the sub-block's own
        FloatVector iscale = FloatVector.broadcast(F, numerator).div(max.sub(min));
        // A min found so far that lies far outside the sub-block could send v = iscale·(x − min) past
        // the rounding's range. iscale ≥ 0 and both roundings are monotone, so the largest |v| is at
        // the sub-block's highest or lowest value: two products per lane instead of a maximum per value.
        FloatVector high = iscale.mul(max.sub(min)).abs(), low = iscale.mul(FloatVector.fromArray(F, st, W * LOWEST).sub(min)).abs();
        if (high.compare(VectorOperators.GE, ROUNDABLE).or(low.compare(VectorOperators.GE, ROUNDABLE)).anyTrue()) return false;
        FloatVector sumL = FloatVector.zero(F), sumL2 = sumL, sumXL = sumL;
        for (int i = 0; i < n; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, W * i), wi = FloatVector.fromArray(F, wt, W * i);
            FloatVector l = code(iscale.mul(xi.sub(min)), nmax);
            l.intoArray(cur, W * i);
            FloatVector wl = wi.mul(l);
            sumL = sumL.add(wl);
            sumL2 = sumL2.add(wl.mul(l));
            sumXL = sumXL.add(wl.mul(xi));
        }
        FloatVector sumW = FloatVector.fromArray(F, st, W * SUM_W), sumX = FloatVector.fromArray(F, st, W * SUM_X);
        FloatVector d = sumW.mul(sumL2).sub(sumL.mul(sumL));
        VectorMask<Float> solvable = d.compare(VectorOperators.GT, 0f);
        if (!solvable.anyTrue()) return true;
        FloatVector thisScale = sumW.mul(sumXL).sub(sumX.mul(sumL)).div(d);
        FloatVector thisMin = sumL2.mul(sumX).sub(sumL.mul(sumXL)).div(d);
        VectorMask<Float> positive = thisMin.compare(VectorOperators.GT, 0f);
        thisMin = thisMin.blend(0f, positive);
        thisScale = thisScale.blend(sumXL.div(sumL2), positive);
        // The trial's scale is kept in the state array and read back from there where it wins: held in a
        // register across the error loop, the JIT boxed it on every step (80 bytes a step, 1.7 KB a search;
        // with it in the array the search allocates nothing: EncoderBench prints the bytes per value).
        thisScale.intoArray(st, W * TRIAL_SCALE);
        FloatVector curError = FloatVector.zero(F);
        for (int i = 0; i < n; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, W * i);
            FloatVector diff = thisScale.mul(FloatVector.fromArray(F, cur, W * i)).add(thisMin).sub(xi);
            curError = curError.add(FloatVector.fromArray(F, wt, W * i).mul(mad ? diff.abs() : diff.mul(diff)));
        }
        FloatVector bestError = FloatVector.fromArray(F, st, W * BEST_ERROR);
        VectorMask<Float> better = solvable.and(curError.compare(VectorOperators.LT, bestError));
        if (!better.anyTrue()) return true;
        // the codes are not copied: the trial that made them (its iscale, the min it rounded against) is kept
        FloatVector.fromArray(F, st, W * BEST_ISCALE).blend(iscale, better).intoArray(st, W * BEST_ISCALE);
        FloatVector.fromArray(F, st, W * BEST_FROM).blend(min, better).intoArray(st, W * BEST_FROM);
        bestError.blend(curError, better).intoArray(st, W * BEST_ERROR);
        FloatVector.fromArray(F, st, W * SCALE).blend(FloatVector.fromArray(F, st, W * TRIAL_SCALE), better).intoArray(st, W * SCALE);
        min.blend(thisMin, better).intoArray(st, W * MIN);
        return true;
    }

    /**
     * clamp(nearest_int(v), 0, nmax) as a float. v + 1.5·2^23 lies in [2^23, 2^24] for the |v| < 2^22
     * rounded here, where a float's bits grow with its value, so the clamp is an integer min and max
     * of the bits (one instruction each; a float min/max with Java's −0 and NaN rules is several).
     * A NaN (a flat sub-block's ∞·0) comes out as a code in range instead of NaN; such a lane's
     * errors never win and {@link Search#codes} gives it codes 0, so nothing read changes.
     */
    private static FloatVector code(FloatVector v, int nmax) {
        IntVector bits = v.add(MAGIC).reinterpretAsInts().max(MAGIC_BITS).min(MAGIC_BITS + nmax);
        return bits.reinterpretAsFloats().sub(MAGIC);
    }
}
