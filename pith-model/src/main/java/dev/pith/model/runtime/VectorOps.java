package dev.pith.model.runtime;

import dev.pith.core.kernel.Lanes;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twins of {@link Ops}: the same formulas and the same float operations per element,
 * with sums taken lane-wise. Sums that ggml keeps in double stay in double here (lane-wise doubles,
 * so they differ from the sequential sum only by double rounding); exponentials (softmax, SwiGLU)
 * are {@link LaneExp}'s, built from float operations whose bits do not change when C2 compiles
 * them (the Vector API's EXP changed by an ulp, which made runs irreproducible), within 1 ulp of
 * the twins' Math.exp. Tests compare each with its scalar twin.
 */
final class VectorOps {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Doubles of the same vector width: half as many lanes, so a float vector widens into two. */
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());

    private VectorOps() {}

    /** As {@link Ops#rmsNorm}: float squares summed in double, then (x·scale)·weight. */
    static void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        double sum = sumOfSquares(x, xOff, n);
        float mean = (float) (sum / n);
        float scale = (float) (1.0 / Math.sqrt(mean + eps));
        int i = 0;
        for (int upper = n - L; i <= upper; i += L) {
            FloatVector.fromArray(F, x, xOff + i).mul(scale).mul(FloatVector.fromArray(F, weight, i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) out[outOff + i] = (x[xOff + i] * scale) * weight[i];
    }

    static double sumOfSquares(float[] x, int off, int n) {
        int i = 0;
        double sum = 0;
        if (D.length() * 2 == L) {
            DoubleVector acc = DoubleVector.zero(D);
            for (int upper = n - L; i <= upper; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, off + i);
                FloatVector sq = v.mul(v);
                acc = acc.add((DoubleVector) sq.convertShape(VectorOperators.F2D, D, 0))
                        .add((DoubleVector) sq.convertShape(VectorOperators.F2D, D, 1));
            }
            // Lane by lane in a fixed order (reduceLanes may order differently once compiled).
            for (int k = 0; k < D.length(); k++) sum += acc.lane(k);
        }
        for (; i < n; i++) {
            float v = x[off + i];
            sum += v * v;
        }
        return sum;
    }

    /**
     * As {@link Ops#softmax} (exponentials, their sum in double per vector, as ggml's SIMD soft_max
     * adds lane sums), but with {@link LaneExp}'s lane-wise exponential (≤ 1 ulp from Math.exp,
     * the same bits compiled or not) where the twin calls Math.exp.
     */
    static void softmax(float[] a, int off, int n) {
        int i = 0;
        FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int upper = n - L; i <= upper; i += L) mv = mv.max(FloatVector.fromArray(F, a, off + i));
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) max = Math.max(max, a[off + i]);
        double sum = 0;
        i = 0;
        for (int upper = n - L; i <= upper; i += L) {
            FloatVector e = LaneExp.exp(FloatVector.fromArray(F, a, off + i).sub(max));
            e.intoArray(a, off + i);
            sum += Lanes.sum(e);
        }
        for (; i < n; i++) {
            float e = LaneExp.exp(a[off + i] - max);
            a[off + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        i = 0;
        for (int upper = n - L; i <= upper; i += L) FloatVector.fromArray(F, a, off + i).mul(inv).intoArray(a, off + i);
        for (; i < n; i++) a[off + i] *= inv;
    }

    /**
     * As {@link Ops#swiglu} on gate[off .. off+n): silu(g)·u = (g / (1 + e^-g))·u, with {@link LaneExp}'s
     * e^-g (≤ 1 ulp from the twin's Math.exp); the tail uses LaneExp's scalar twin, so every element
     * gets the same bits wherever it falls.
     */
    static void swiglu(float[] gate, float[] up, int off, int n) {
        int i = off, end = off + n;
        for (int upper = end - L; i <= upper; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            FloatVector e = LaneExp.exp(g.neg());
            g.div(e.add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < end; i++) {
            float g = gate[i];
            gate[i] = (g / (1.0f + LaneExp.exp(-g))) * up[i];
        }
    }

    /** dst[i] += src[i] over n elements (the residual connection). */
    static void add(float[] dst, float[] src, int n) {
        add(dst, 0, src, 0, n);
    }

    /** dst[d + i] += src[s + i] for i in [0, n). */
    static void add(float[] dst, int d, float[] src, int s, int n) {
        int i = 0;
        for (int upper = n - L; i <= upper; i += L) {
            FloatVector.fromArray(F, dst, d + i).add(FloatVector.fromArray(F, src, s + i)).intoArray(dst, d + i);
        }
        for (; i < n; i++) dst[d + i] += src[s + i];
    }

    /** Σ a[ao+d]·b[bo+d] over n elements, lane-wise with one FMA accumulator. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int d = 0;
        for (int upper = n - L; d <= upper; d += L) {
            acc = FloatVector.fromArray(F, a, ao + d).fma(FloatVector.fromArray(F, b, bo + d), acc);
        }
        float s = Lanes.sum(acc);
        for (; d < n; d++) s += a[ao + d] * b[bo + d];
        return s;
    }

    /**
     * out[t] = dot(q[0 .. n), k[t·stride + ko .. + n)) · scale for t in [0, len): the attention
     * scores of one query over the cached keys. Four keys at a time, each with exactly
     * {@link #dot}'s operations (one FMA chain over the vectors, {@link Lanes#sum}, the scalar
     * tail, then the scale), so the bits are dot's; four independent chains and reductions keep
     * the FMA and shuffle units busy where one dot after another waited on its own latency.
     */
    static void scores(float[] q, float[] k, int ko, int stride, int len, int n, float scale, float[] out) {
        int t = 0;
        for (; t + 4 <= len; t += 4) {
            int o0 = t * stride + ko, o1 = o0 + stride, o2 = o1 + stride, o3 = o2 + stride;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            int d = 0;
            for (int upper = n - L; d <= upper; d += L) {
                FloatVector qv = FloatVector.fromArray(F, q, d);
                a0 = qv.fma(FloatVector.fromArray(F, k, o0 + d), a0);
                a1 = qv.fma(FloatVector.fromArray(F, k, o1 + d), a1);
                a2 = qv.fma(FloatVector.fromArray(F, k, o2 + d), a2);
                a3 = qv.fma(FloatVector.fromArray(F, k, o3 + d), a3);
            }
            float s0 = Lanes.sum(a0), s1 = Lanes.sum(a1), s2 = Lanes.sum(a2), s3 = Lanes.sum(a3);
            for (; d < n; d++) {
                s0 += q[d] * k[o0 + d];
                s1 += q[d] * k[o1 + d];
                s2 += q[d] * k[o2 + d];
                s3 += q[d] * k[o3 + d];
            }
            out[t] = s0 * scale;
            out[t + 1] = s1 * scale;
            out[t + 2] = s2 * scale;
            out[t + 3] = s3 * scale;
        }
        for (; t < len; t++) out[t] = dot(q, 0, k, t * stride + ko, n) * scale;
    }

    /**
     * out[oo .. oo+n) = Σ_t p[t]·v[t·stride + vo .. + n) for t in [0, len): the attention-weighted sum
     * of values. Each output lane is one FMA chain over t in order (scalar twin: {@code Math.fma}
     * step by step). Four vectors of the output are carried together so that four independent chains
     * hide the FMA latency and each value row is read in one contiguous stretch; one vector at a time
     * was latency-bound (14 % of a 512-token prompt on smollm2). The grouping changes no bit.
     */
    static void weightedSum(float[] p, int len, float[] v, int vo, int stride, float[] out, int oo, int n) {
        int d = 0;
        for (int upper = n - 4 * L; d <= upper; d += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int t = 0; t < len; t++) {
                FloatVector pt = FloatVector.broadcast(F, p[t]);
                int o = t * stride + vo + d;
                a0 = FloatVector.fromArray(F, v, o).fma(pt, a0);
                a1 = FloatVector.fromArray(F, v, o + L).fma(pt, a1);
                a2 = FloatVector.fromArray(F, v, o + 2 * L).fma(pt, a2);
                a3 = FloatVector.fromArray(F, v, o + 3 * L).fma(pt, a3);
            }
            a0.intoArray(out, oo + d);
            a1.intoArray(out, oo + d + L);
            a2.intoArray(out, oo + d + 2 * L);
            a3.intoArray(out, oo + d + 3 * L);
        }
        for (int upper = n - L; d <= upper; d += L) {
            FloatVector acc = FloatVector.zero(F);
            for (int t = 0; t < len; t++) {
                acc = FloatVector.fromArray(F, v, t * stride + vo + d).fma(FloatVector.broadcast(F, p[t]), acc);
            }
            acc.intoArray(out, oo + d);
        }
        for (; d < n; d++) {
            float s = 0;
            for (int t = 0; t < len; t++) s += p[t] * v[t * stride + vo + d];
            out[oo + d] = s;
        }
    }
}
