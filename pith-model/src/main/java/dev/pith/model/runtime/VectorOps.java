package dev.pith.model.runtime;

import dev.pith.core.kernel.Lanes;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twins of {@link Ops}: the same formulas and the same float operations per element,
 * with sums taken lane-wise. Sums that ggml keeps in double stay in double here (lane-wise doubles,
 * so they differ from the sequential sum only by double rounding); exponentials are the scalar
 * {@code Math.exp}, exactly as in the twin, because the Vector API's exp changes by an ulp when C2
 * compiles it and so made runs irreproducible. Tests compare each with its scalar twin.
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

    /** As {@link Ops#softmax}: float exponentials, their sum in double (per vector, as ggml's SIMD soft_max adds lane sums). */
    static void softmax(float[] a, int off, int n) {
        int i = 0;
        FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int upper = n - L; i <= upper; i += L) mv = mv.max(FloatVector.fromArray(F, a, off + i));
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) max = Math.max(max, a[off + i]);
        double sum = 0;
        i = 0;
        for (int upper = n - L; i <= upper; i += L) {
            // Scalar Math.exp, not lanewise(EXP): the vector exp is an intrinsic only once C2 has
            // compiled the loop, and it may differ by an ulp from the fallback before that, which made
            // results depend on JIT timing (two identical runs differed). Math.exp is one stub everywhere.
            for (int k = 0; k < L; k++) a[off + i + k] = (float) Math.exp(a[off + i + k] - max);
            sum += Lanes.sum(FloatVector.fromArray(F, a, off + i));
        }
        for (; i < n; i++) {
            float e = (float) Math.exp(a[off + i] - max);
            a[off + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        i = 0;
        for (int upper = n - L; i <= upper; i += L) FloatVector.fromArray(F, a, off + i).mul(inv).intoArray(a, off + i);
        for (; i < n; i++) a[off + i] *= inv;
    }

    private static final ThreadLocal<float[]> EXP_SCRATCH = ThreadLocal.withInitial(() -> new float[64]);

    /** As {@link Ops#swiglu} on gate[off .. off+n): silu(g)·u = (g / (1 + e^-g))·u. */
    static void swiglu(float[] gate, float[] up, int off, int n) {
        int i = off, end = off + n;
        float[] e = EXP_SCRATCH.get();
        if (e.length < L) e = new float[L];
        for (int upper = end - L; i <= upper; i += L) {
            // e^-g lane by lane with Math.exp (see softmax: the vector EXP is not JIT-stable).
            for (int k = 0; k < L; k++) e[k] = (float) Math.exp(-gate[i + k]);
            FloatVector g = FloatVector.fromArray(F, gate, i);
            g.div(FloatVector.fromArray(F, e, 0).add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < end; i++) {
            float g = gate[i];
            gate[i] = (g / (1.0f + (float) Math.exp(-g))) * up[i];
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

    /** out[oo .. oo+n) = Σ_t p[t]·v[t·stride + vo .. + n) for t in [0, len): the attention-weighted sum of values. */
    static void weightedSum(float[] p, int len, float[] v, int vo, int stride, float[] out, int oo, int n) {
        int d = 0;
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
