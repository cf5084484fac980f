package dev.pith.model.runtime;

import dev.pith.core.kernel.HalfRound;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal attention for sixteen consecutive prompt tokens of one query head at a time, with the
 * tokens in the vector lanes. One token at a time ({@link Transformer}'s per-head path) computes
 * each score as a dot product whose horizontal sum (four shuffles and four adds on 16 lanes) costs
 * twice its 64-dimension FMAs; that was 8 % of a 512-token smollm2-135m prompt (JFR, session 9).
 * Here the block's queries are transposed once (dimension-major, a token per lane), so each key
 * gives all sixteen scores by one FMA per dimension with the key's value broadcast — no horizontal
 * sums at all; the softmax runs lane-wise (a token's max, exponentials, double sum and scale in its
 * lane), and the weighted sum of values reads each value row once per four tokens.
 *
 * <p>The sums run in another order than the per-token path (a sequential FMA chain over the
 * dimensions instead of sixteen lane chains folded), so a prompt's attention is not bit-identical
 * to one token at a time; issue 4's decision allows that for prompt batches (as for their matrix
 * products; {@code FastPathTest} checks the same predicted tokens and logits within rounding). The
 * reference path is unchanged. Scalar twin: {@link #blockScalar}, the same operations one lane at a
 * time, bit-identical ({@code PromptAttentionTest}).
 */
final class PromptAttention {
    static final VectorSpecies<Float> F = VectorOps.F;
    /** Tokens per block: one per float lane. */
    static final int B = F.length();
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());
    /** Keys per step of the scores: independent FMA chains enough to hide the FMA latency. */
    private static final int KEYS = 8;

    private PromptAttention() {}

    /** Whether this path handles a head of this size: the value sums step four vectors of dimensions at a time. */
    static boolean supports(int headDim) {
        return B >= 4 && headDim % (4 * B) == 0;
    }

    /** Per-thread buffers, grown to what a batch needs (not the whole context: 16 floats a position) and kept. */
    static final class Scratch {
        private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);
        float[] qt = new float[0], p = new float[0], inv = new float[B];
        double[] sums = new double[B];

        /** positions: the most cached positions a block will attend to (the batch's last position + 1). */
        static Scratch get(int positions, int headDim) {
            Scratch s = PER_THREAD.get();
            if (s.qt.length < headDim * B) s.qt = new float[headDim * B];
            if (s.p.length < positions * B) s.p = new float[positions * B];
            return s;
        }
    }

    /**
     * Attention of batch tokens [i0, i0+n) (n ≤ {@link #B}), query head h, over cached positions
     * 0 .. pos+i (token i sees its own position and the ones before). q: the batch's queries (qDim
     * per token); kc, vc: the caches (kvDim per position) already holding the batch's keys and
     * values; kvOff: this head's key/value head × headDim. half: the cache is F16, so queries and
     * probabilities are rounded to half first, as in the per-token path. Writes att[(i0+i)·qDim + h·headDim ..).
     */
    static void block(float[] q, int qDim, int h, int headDim, int i0, int n, int pos, float[] kc, float[] vc, int kvDim, int kvOff,
                      boolean half, float[] att, Scratch s) {
        float[] qt = s.qt, p = s.p;
        int qo = h * headDim;
        for (int d = 0; d < headDim; d++) {
            for (int j = 0; j < B; j++) {
                float v = j < n ? q[(i0 + j) * qDim + qo + d] : 0f;
                qt[d * B + j] = half ? Ops.toHalf(v) : v;
            }
        }
        int first = pos + i0, len = first + n;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        scores(qt, kc, kvOff, kvDim, len, headDim, scale, p);
        mask(p, first, n, len);
        softmax(p, len, s.sums, s.inv);
        if (half) HalfRound.round(p, p, 0, len * B);
        for (int j = 0; j < n; j += 4) weightedSum(p, j, Math.min(4, n - j), len, vc, kvOff, kvDim, headDim, att, (i0 + j) * qDim + qo, qDim);
    }

    /** p[t·B + j] = scale · Σ_d qt[d·B + j]·k[t·stride + ko + d], each a sequential FMA chain over d. */
    static void scores(float[] qt, float[] k, int ko, int stride, int len, int headDim, float scale, float[] p) {
        int t = 0;
        for (; t + KEYS <= len; t += KEYS) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            int o = t * stride + ko;
            for (int d = 0; d < headDim; d++) {
                FloatVector qv = FloatVector.fromArray(F, qt, d * B);
                int b = o + d;
                a0 = FloatVector.broadcast(F, k[b]).fma(qv, a0);
                a1 = FloatVector.broadcast(F, k[b + stride]).fma(qv, a1);
                a2 = FloatVector.broadcast(F, k[b + 2 * stride]).fma(qv, a2);
                a3 = FloatVector.broadcast(F, k[b + 3 * stride]).fma(qv, a3);
                a4 = FloatVector.broadcast(F, k[b + 4 * stride]).fma(qv, a4);
                a5 = FloatVector.broadcast(F, k[b + 5 * stride]).fma(qv, a5);
                a6 = FloatVector.broadcast(F, k[b + 6 * stride]).fma(qv, a6);
                a7 = FloatVector.broadcast(F, k[b + 7 * stride]).fma(qv, a7);
            }
            a0.mul(scale).intoArray(p, t * B);
            a1.mul(scale).intoArray(p, (t + 1) * B);
            a2.mul(scale).intoArray(p, (t + 2) * B);
            a3.mul(scale).intoArray(p, (t + 3) * B);
            a4.mul(scale).intoArray(p, (t + 4) * B);
            a5.mul(scale).intoArray(p, (t + 5) * B);
            a6.mul(scale).intoArray(p, (t + 6) * B);
            a7.mul(scale).intoArray(p, (t + 7) * B);
        }
        for (; t < len; t++) {
            FloatVector a = FloatVector.zero(F);
            int o = t * stride + ko;
            for (int d = 0; d < headDim; d++) a = FloatVector.broadcast(F, k[o + d]).fma(FloatVector.fromArray(F, qt, d * B), a);
            a.mul(scale).intoArray(p, t * B);
        }
    }

    /** Causality: token j of the block (position first + j) does not see positions after its own. */
    static void mask(float[] p, int first, int n, int len) {
        for (int t = first + 1; t < len; t++) {
            for (int j = 0; j < Math.min(n, t - first); j++) p[t * B + j] = Float.NEGATIVE_INFINITY;
        }
    }

    /** Each lane's softmax over t in [0, len): its max, e^(x − max) by {@link LaneExp}, the sum in double, the scale 1/sum. */
    static void softmax(float[] p, int len, double[] sums, float[] inv) {
        FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int t = 0; t < len; t++) mv = mv.max(FloatVector.fromArray(F, p, t * B));
        DoubleVector s0 = DoubleVector.zero(D), s1 = s0;
        for (int t = 0; t < len; t++) {
            FloatVector e = LaneExp.exp(FloatVector.fromArray(F, p, t * B).sub(mv));
            e.intoArray(p, t * B);
            s0 = s0.add((DoubleVector) e.convert(VectorOperators.F2D, 0));
            s1 = s1.add((DoubleVector) e.convert(VectorOperators.F2D, 1));
        }
        s0.intoArray(sums, 0);
        s1.intoArray(sums, D.length());
        for (int j = 0; j < B; j++) inv[j] = (float) (1.0 / sums[j]);
        FloatVector iv = FloatVector.fromArray(F, inv, 0);
        for (int t = 0; t < len; t++) FloatVector.fromArray(F, p, t * B).mul(iv).intoArray(p, t * B);
    }

    /**
     * att[o + jj·qDim + d] = Σ_t p[t·B + j0 + jj]·v[t·stride + vo + d] for tokens jj < m (m ≤ 4) and d
     * in [0, headDim): four tokens share each value row's loads; each output lane is one FMA chain
     * over t in order. Lanes j0 .. j0+3 exist in p even when m < 4 (padding tokens have finite
     * probabilities); only m rows are written.
     */
    static void weightedSum(float[] p, int j0, int m, int len, float[] v, int vo, int stride, int headDim, float[] att, int o, int qDim) {
        int L = B;
        for (int d = 0; d < headDim; d += 4 * L) {
            FloatVector z = FloatVector.zero(F);
            FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z,
                    c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
            for (int t = 0; t < len; t++) {
                int vb = t * stride + vo + d, pb = t * B + j0;
                FloatVector v0 = FloatVector.fromArray(F, v, vb), v1 = FloatVector.fromArray(F, v, vb + L),
                        v2 = FloatVector.fromArray(F, v, vb + 2 * L), v3 = FloatVector.fromArray(F, v, vb + 3 * L);
                FloatVector w = FloatVector.broadcast(F, p[pb]);
                c00 = v0.fma(w, c00); c01 = v1.fma(w, c01); c02 = v2.fma(w, c02); c03 = v3.fma(w, c03);
                w = FloatVector.broadcast(F, p[pb + 1]);
                c10 = v0.fma(w, c10); c11 = v1.fma(w, c11); c12 = v2.fma(w, c12); c13 = v3.fma(w, c13);
                w = FloatVector.broadcast(F, p[pb + 2]);
                c20 = v0.fma(w, c20); c21 = v1.fma(w, c21); c22 = v2.fma(w, c22); c23 = v3.fma(w, c23);
                w = FloatVector.broadcast(F, p[pb + 3]);
                c30 = v0.fma(w, c30); c31 = v1.fma(w, c31); c32 = v2.fma(w, c32); c33 = v3.fma(w, c33);
            }
            int r = o + d;
            c00.intoArray(att, r); c01.intoArray(att, r + L); c02.intoArray(att, r + 2 * L); c03.intoArray(att, r + 3 * L);
            if (m > 1) { r += qDim; c10.intoArray(att, r); c11.intoArray(att, r + L); c12.intoArray(att, r + 2 * L); c13.intoArray(att, r + 3 * L); }
            if (m > 2) { r += qDim; c20.intoArray(att, r); c21.intoArray(att, r + L); c22.intoArray(att, r + 2 * L); c23.intoArray(att, r + 3 * L); }
            if (m > 3) { r += qDim; c30.intoArray(att, r); c31.intoArray(att, r + L); c32.intoArray(att, r + 2 * L); c33.intoArray(att, r + 3 * L); }
        }
    }

    /**
     * The scalar twin of {@link #block}: the same operations lane by lane (Math.fma for each vector
     * FMA, LaneExp's scalar exponential, the double sums in t order, HalfRound's rounding by
     * Ops.toHalf), so it gives the same bits.
     */
    static void blockScalar(float[] q, int qDim, int h, int headDim, int i0, int n, int pos, float[] kc, float[] vc, int kvDim, int kvOff,
                            boolean half, float[] att) {
        int first = pos + i0, len = first + n, qo = h * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[] pr = new float[len];
        for (int j = 0; j < n; j++) {
            int qb = (i0 + j) * qDim + qo;
            for (int t = 0; t < len; t++) {
                float a = 0f;
                for (int d = 0; d < headDim; d++) {
                    float qv = half ? Ops.toHalf(q[qb + d]) : q[qb + d];
                    a = Math.fma(kc[t * kvDim + kvOff + d], qv, a);
                }
                pr[t] = t > first + j ? Float.NEGATIVE_INFINITY : a * scale;
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t < len; t++) max = Math.max(max, pr[t]);
            double sum = 0;
            for (int t = 0; t < len; t++) {
                pr[t] = LaneExp.exp(pr[t] - max);
                sum += pr[t];
            }
            float inv = (float) (1.0 / sum);
            for (int t = 0; t < len; t++) {
                pr[t] *= inv;
                if (half) pr[t] = Ops.toHalf(pr[t]);
            }
            for (int d = 0; d < headDim; d++) {
                float a = 0f;
                for (int t = 0; t < len; t++) a = Math.fma(vc[t * kvDim + kvOff + d], pr[t], a);
                att[qb + d] = a;
            }
        }
    }
}
