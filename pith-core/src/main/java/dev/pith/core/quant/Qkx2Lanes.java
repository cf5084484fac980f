package dev.pith.core.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link KQuantizer#makeQkx2Quants} (ggml's make_qkx2_quants, the scale-and-min search of Q4_K and
 * Q5_K) for the eight 32-value sub-blocks of a super-block at once, one sub-block per lane of an
 * 8-float vector, or of two super-blocks in the 16 lanes of a 512-bit vector where there is one (the
 * same instructions then search twice the values). It is 85 % of `pith quantize --type Q4_K_M`
 * when run one sub-block at a time.
 * As in {@link QxLanes}, a lane owns a whole sub-block, so its sums are added in ggml's order and
 * every step is the scalar code's IEEE operation (multiply, add, divide, never fused); ggml's
 * nearest_int becomes (v + 1.5·2^23) − 1.5·2^23, the same round-half-to-even for the |v| ≤ nmax+1
 * the search rounds; "if (x < min) min = x" is a compare and blend, not a lanewise minimum (which
 * would differ on −0). {@link #fits} sends blocks where that rounding could see an infinity (values
 * beyond ±1e30, non-finite values, sub-blocks narrower than 1e-30 but not flat) to the scalar code.
 * {@link #search} itself gives up (returns false) if a later step of the search would round a
 * value beyond 2^22. Qkx2LanesTest compares the bytes of both on random and edge-case blocks.
 */
final class Qkx2Lanes {
    /** 16 lanes where the machine has them (two super-blocks side by side), else 8 (one). */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() >= 16 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private static final int W = F.length();
    /** How many super-blocks one {@link #search} runs side by side. */
    static final int BLOCKS = W / 8;
    private static final float MAGIC = 12582912f;
    /** Whether the lanes are used; off with -Dpith.quant.scalar=true (the scalar search, for comparisons). */
    static final boolean ENABLED = !Boolean.getBoolean("pith.quant.scalar");

    private Qkx2Lanes() {}

    /** Whether the lanes give the scalar search's result for x[xo .. xo+256) (see the class comment). */
    static boolean fits(float[] x, int xo) {
        for (int j = 0; j < 8; j++) {
            float min = x[xo + 32 * j], max = min;
            for (int i = 0; i < 32; i++) {
                float v = x[xo + 32 * j + i];
                if (!(Math.abs(v) <= 1e30f)) return false;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            float width = max - Math.min(min, 0f);
            if (width != 0f && width < 1e-30f) return false;
        }
        return true;
    }

    /**
     * The searches of {@code blocks} (1 .. {@link #BLOCKS}) consecutive super-blocks, eight sub-blocks
     * each: sub-block j of block b is x[xo + 256b + 32j ..) with weights w[256b + 32j ..); codes go to
     * L[256b + 32j + i], scales to scales[8b + j], and −min to mins[8b + j], as
     * makeQkx2Quants(32, nmax, …, rmin, 0.1, nstep, false). Lanes beyond the blocks given search a
     * copy of block 0 (every lane's search is its own, so a copy changes nothing) and are dropped.
     */
    static boolean search(float[] x, int xo, int blocks, float[] w, int nmax, float rmin, int nstep, byte[] L, float[] scales, float[] mins) {
        Scratch scratch = SCRATCH.get();
        float[] xt = scratch.xt, wt = scratch.wt, best = scratch.best, cur = scratch.cur; // written below before they are read
        for (int lane = 0; lane < W; lane++) {
            int b = lane / 8 < blocks ? lane / 8 : 0, j = lane % 8;
            for (int i = 0; i < 32; i++) {
                xt[W * i + lane] = x[xo + 256 * b + 32 * j + i];
                wt[W * i + lane] = w[256 * b + 32 * j + i];
            }
        }
        // per-lane state between the steps, in small arrays: one method per step keeps each small
        // enough for the JIT to compile every vector operation to an instruction
        float[] st = scratch.st; // start() writes every row
        start(xt, wt, nmax, best, st);
        for (int is = 0; is <= nstep; is++) {
            if (!step(xt, wt, rmin + 0.1f * is + nmax, nmax, best, cur, st)) return false;
        }
        FloatVector max = FloatVector.fromArray(F, st, W * MAX), min = FloatVector.fromArray(F, st, W * MIN);
        VectorMask<Float> flat = max.compare(VectorOperators.EQ, FloatVector.fromArray(F, st, W * FLAT_MIN));
        // a flat sub-block: codes 0, scale 0, and −min of its (clamped) minimum
        float[] sc = scratch.scales, mn = scratch.mins;
        FloatVector.fromArray(F, st, W * SCALE).blend(0f, flat).intoArray(sc, 0);
        min.neg().intoArray(mn, 0);
        System.arraycopy(sc, 0, scales, 0, 8 * blocks);
        System.arraycopy(mn, 0, mins, 0, 8 * blocks);
        for (int i = 0; i < 32; i++) FloatVector.fromArray(F, best, W * i).blend(0f, flat).intoArray(best, W * i);
        for (int lane = 0; lane < 8 * blocks; lane++) {
            int b = lane / 8, j = lane % 8;
            for (int i = 0; i < 32; i++) L[256 * b + 32 * j + i] = (byte) (int) best[W * i + lane];
        }
        return true;
    }

    /** One thread's work arrays, reused for every super-block instead of 4.2 KB allocated and zeroed per block. */
    private static final class Scratch {
        final float[] xt = new float[32 * W], wt = new float[32 * W], best = new float[32 * W], cur = new float[32 * W];
        final float[] st = new float[W * STATE], scales = new float[W], mins = new float[W];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Rows of the state array: W lanes each. */
    private static final int MIN = 0, MAX = 1, SUM_W = 2, SUM_X = 3, SCALE = 4, BEST_ERROR = 5, FLAT_MIN = 6, STATE = 7;

    /** The sub-blocks' min (clamped to ≤ 0), max, weighted sums, and the first codes at scale (max − min)/nmax. */
    private static void start(float[] xt, float[] wt, int nmax, float[] best, float[] st) {
        FloatVector min = FloatVector.fromArray(F, xt, 0), max = min;
        FloatVector sumW = FloatVector.fromArray(F, wt, 0), sumX = sumW.mul(min);
        for (int i = 1; i < 32; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, W * i), wi = FloatVector.fromArray(F, wt, W * i);
            min = min.blend(xi, xi.compare(VectorOperators.LT, min));
            max = max.blend(xi, xi.compare(VectorOperators.GT, max));
            sumW = sumW.add(wi);
            sumX = sumX.add(wi.mul(xi));
        }
        min = min.blend(0f, min.compare(VectorOperators.GT, 0f));
        FloatVector iscale = FloatVector.broadcast(F, (float) nmax).div(max.sub(min));
        FloatVector scale = FloatVector.broadcast(F, 1f).div(iscale);
        FloatVector bestError = FloatVector.zero(F);
        for (int i = 0; i < 32; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, W * i);
            FloatVector l = code(iscale.mul(xi.sub(min)), nmax);
            l.intoArray(best, W * i);
            FloatVector diff = scale.mul(l).add(min).sub(xi);
            bestError = bestError.add(FloatVector.fromArray(F, wt, W * i).mul(diff.mul(diff)));
        }
        min.intoArray(st, W * MIN);
        min.intoArray(st, W * FLAT_MIN);
        max.intoArray(st, W * MAX);
        sumW.intoArray(st, W * SUM_W);
        sumX.intoArray(st, W * SUM_X);
        scale.intoArray(st, W * SCALE);
        bestError.intoArray(st, W * BEST_ERROR);
    }

    /** One trial scale (nmax + rmin + 0.1·is)/(max − min): least-squares scale and min for its codes, kept where the error is lower. */
    private static boolean step(float[] xt, float[] wt, float numerator, int nmax, float[] best, float[] cur, float[] st) {
        FloatVector min = FloatVector.fromArray(F, st, W * MIN);
        // ggml divides by max − min with the min found so far, not the sub-block's own
        FloatVector iscale = FloatVector.broadcast(F, numerator).div(FloatVector.fromArray(F, st, W * MAX).sub(min));
        FloatVector sumL = FloatVector.zero(F), sumL2 = sumL, sumXL = sumL, reach = sumL;
        for (int i = 0; i < 32; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, W * i), wi = FloatVector.fromArray(F, wt, W * i);
            FloatVector v = iscale.mul(xi.sub(min));
            reach = reach.max(v.abs());
            FloatVector l = code(v, nmax);
            l.intoArray(cur, W * i);
            FloatVector wl = wi.mul(l);
            sumL = sumL.add(wl);
            sumL2 = sumL2.add(wl.mul(l));
            sumXL = sumXL.add(wl.mul(xi));
        }
        // a min found so far that lies far outside the sub-block could send v past the rounding's range
        if (reach.reduceLanes(VectorOperators.MAX) >= ROUNDABLE) return false;
        FloatVector sumW = FloatVector.fromArray(F, st, W * SUM_W), sumX = FloatVector.fromArray(F, st, W * SUM_X);
        FloatVector d = sumW.mul(sumL2).sub(sumL.mul(sumL));
        VectorMask<Float> solvable = d.compare(VectorOperators.GT, 0f);
        if (!solvable.anyTrue()) return true;
        FloatVector thisScale = sumW.mul(sumXL).sub(sumX.mul(sumL)).div(d);
        FloatVector thisMin = sumL2.mul(sumX).sub(sumL.mul(sumXL)).div(d);
        VectorMask<Float> positive = thisMin.compare(VectorOperators.GT, 0f);
        thisMin = thisMin.blend(0f, positive);
        thisScale = thisScale.blend(sumXL.div(sumL2), positive);
        FloatVector curError = FloatVector.zero(F);
        for (int i = 0; i < 32; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, W * i);
            FloatVector diff = thisScale.mul(FloatVector.fromArray(F, cur, W * i)).add(thisMin).sub(xi);
            curError = curError.add(FloatVector.fromArray(F, wt, W * i).mul(diff.mul(diff)));
        }
        FloatVector bestError = FloatVector.fromArray(F, st, W * BEST_ERROR);
        VectorMask<Float> better = solvable.and(curError.compare(VectorOperators.LT, bestError));
        if (!better.anyTrue()) return true;
        for (int i = 0; i < 32; i++) {
            FloatVector.fromArray(F, best, W * i).blend(FloatVector.fromArray(F, cur, W * i), better).intoArray(best, W * i);
        }
        bestError.blend(curError, better).intoArray(st, W * BEST_ERROR);
        FloatVector.fromArray(F, st, W * SCALE).blend(thisScale, better).intoArray(st, W * SCALE);
        min.blend(thisMin, better).intoArray(st, W * MIN);
        return true;
    }

    /** Below 2^22 in magnitude the float rounding equals nearest_int's bit trick. */
    private static final float ROUNDABLE = 4194304f;

    /** clamp(nearest_int(v), 0, nmax) as a float. */
    private static FloatVector code(FloatVector v, int nmax) {
        return v.add(MAGIC).sub(MAGIC).max(0f).min((float) nmax);
    }
}
