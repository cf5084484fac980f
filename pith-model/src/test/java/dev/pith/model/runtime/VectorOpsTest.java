package dev.pith.model.runtime;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Each {@link VectorOps} kernel against its scalar twin in {@link Ops} (or the plain loop it replaces). */
class VectorOpsTest {
    private static final int[] SIZES = {1, 7, 16, 64, 100, 576, 2049};

    private static float[] random(int n, long seed, float scale) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian() * scale;
        return v;
    }

    @Test
    void rmsNormMatchesScalar() {
        for (int n : SIZES) {
            float[] x = random(n + 5, n, 3f), w = random(n, n + 1, 1f);
            float[] ref = new float[n + 2], vec = new float[n + 2];
            Ops.rmsNorm(ref, 2, x, 5, w, n, 1e-5f);
            VectorOps.rmsNorm(vec, 2, x, 5, w, n, 1e-5f);
            // The double sum of squares differs only by double rounding: the floats come out equal.
            assertThat(vec).as("n=%d", n).containsExactly(ref);
        }
    }

    @Test
    void softmaxMatchesScalar() {
        for (int n : SIZES) {
            float[] a = random(n + 3, n, 4f), b = a.clone();
            Ops.softmax(a, 3, n);
            VectorOps.softmax(b, 3, n);
            for (int i = 0; i < n + 3; i++) assertThat(b[i]).as("n=%d i=%d", n, i).isCloseTo(a[i], within(2e-7f + 2e-6f * Math.abs(a[i])));
        }
    }

    @Test
    void swigluMatchesScalar() {
        for (int n : SIZES) {
            float[] g = random(n, n, 5f), u = random(n, n + 9, 2f);
            float[] ref = g.clone(), vec = g.clone();
            float[] twin = g.clone();
            Ops.swiglu(ref, u, n);
            VectorOps.swiglu(vec, u, 0, n);
            for (int i = 0; i < n; i++) twin[i] = (g[i] / (1.0f + LaneExp.exp(-g[i]))) * u[i];
            // The same float operations per element as the twin with LaneExp's exponential: equal bit for bit;
            // against Math.exp's (Ops), the exponential's ulp moves the result by a few ulps at most.
            assertThat(vec).as("n=%d", n).containsExactly(twin);
            for (int i = 0; i < n; i++) assertThat(vec[i]).as("n=%d i=%d", n, i).isCloseTo(ref[i], within(1e-30f + 4e-7f * Math.abs(ref[i])));
        }
    }

    /**
     * Results must not change once the JIT compiles the kernels: the Vector API's lanewise EXP did
     * (an ulp), which made two identical runs differ. Many calls force C2; the first and last agree.
     */
    @Test
    void exponentialKernelsGiveTheSameBitsBeforeAndAfterCompilation() {
        float[] g = random(576, 3, 5f), u = random(576, 4, 2f), s = random(257, 5, 4f);
        float[] firstSwiglu = g.clone(), firstSoftmax = s.clone();
        VectorOps.swiglu(firstSwiglu, u, 0, 576);
        VectorOps.softmax(firstSoftmax, 0, 257);
        float[] a = null, b = null;
        for (int rep = 0; rep < 30_000; rep++) {
            a = g.clone();
            b = s.clone();
            VectorOps.swiglu(a, u, 0, 576);
            VectorOps.softmax(b, 0, 257);
        }
        assertThat(a).containsExactly(firstSwiglu);
        assertThat(b).containsExactly(firstSoftmax);
    }

    @Test
    void swigluOnASliceLeavesTheRestAlone() {
        float[] g = random(100, 1, 2f), u = random(100, 2, 2f), ref = g.clone(), vec = g.clone();
        Ops.swiglu(ref, u, 100);
        VectorOps.swiglu(vec, u, 30, 40);
        for (int i = 0; i < 100; i++) {
            float want = i >= 30 && i < 70 ? ref[i] : g[i];
            assertThat(vec[i]).isCloseTo(want, within(1e-6f + 1e-6f * Math.abs(want)));
        }
    }

    @Test
    void dotAndWeightedSumMatchPlainLoops() {
        for (int n : new int[]{8, 48, 64, 80, 128}) {
            int len = 37, stride = 3 * n;
            float[] q = random(n, n, 1f), kv = random(len * stride, n + 1, 1f), p = random(len, n + 2, 1f);
            for (int t = 0; t < len; t++) {
                float s = 0;
                for (int d = 0; d < n; d++) s += q[d] * kv[t * stride + n + d];
                assertThat(VectorOps.dot(q, 0, kv, t * stride + n, n)).isCloseTo(s, within(1e-5f));
            }
            float[] out = new float[n + 4];
            VectorOps.weightedSum(p, len, kv, n, stride, out, 4, n);
            for (int d = 0; d < n; d++) {
                float s = 0;
                for (int t = 0; t < len; t++) s += p[t] * kv[t * stride + n + d];
                assertThat(out[4 + d]).isCloseTo(s, within(1e-5f));
            }
        }
    }

    /**
     * Each output lane of the weighted sum is one FMA chain over t, whether its vector is carried
     * alone or in a group of four: equal bit for bit to Math.fma step by step (the whole-vector part)
     * and to the plain loop (the scalar tail).
     */
    @Test
    void weightedSumIsAnFmaChainPerLaneBitForBit() {
        int l = VectorOps.L;
        for (int n : new int[]{l, 2 * l, 3 * l, 4 * l, 5 * l, 8 * l + 3, 4 * l + l / 2}) {
            for (int len : new int[]{1, 2, 37, 300}) {
                int stride = n + 11, vo = 5;
                float[] v = random(len * stride + vo, n * 31L + len, 1f), p = random(len, len, 0.3f);
                float[] out = new float[n + 3];
                VectorOps.weightedSum(p, len, v, vo, stride, out, 3, n);
                int whole = n / l * l;
                for (int d = 0; d < n; d++) {
                    float s = 0;
                    for (int t = 0; t < len; t++) {
                        float x = v[t * stride + vo + d];
                        s = d < whole ? Math.fma(x, p[t], s) : s + p[t] * x;
                    }
                    assertThat(out[3 + d]).as("n=%d len=%d d=%d", n, len, d).isEqualTo(s);
                }
            }
        }
    }

    /** Attention scores four keys at a time are dot(q, k_t)·scale bit for bit, for every key. */
    @Test
    void scoresAreDotTimesScaleBitForBit() {
        int l = VectorOps.L;
        for (int n : new int[]{3, l, 4 * l, 4 * l + 5, 8 * l}) {
            for (int len : new int[]{1, 3, 4, 5, 15, 16, 17, 32, 37, 260}) {
                int stride = 2 * n + 3, ko = 7;
                float[] q = random(n, n, 1f), k = random(len * stride + ko, n + len, 1f), out = new float[len];
                VectorOps.scores(q, k, ko, stride, len, n, 0.125f, out);
                for (int t = 0; t < len; t++) {
                    assertThat(out[t]).as("n=%d len=%d t=%d", n, len, t).isEqualTo(VectorOps.dot(q, 0, k, t * stride + ko, n) * 0.125f);
                }
            }
        }
    }

    @Test
    void addIsElementwise() {
        float[] a = random(103, 1, 1f), b = random(103, 2, 1f), want = a.clone();
        for (int i = 0; i < 103; i++) want[i] += b[i];
        VectorOps.add(a, b, 103);
        assertThat(a).containsExactly(want);
        assertThat(Arrays.equals(a, want)).isTrue();
    }

    @Test
    void addWithOffsetsTouchesOnlyItsRange() {
        float[] a = random(120, 3, 1f), b = random(120, 4, 1f), want = a.clone();
        for (int i = 0; i < 37; i++) want[50 + i] += b[7 + i];
        VectorOps.add(a, 50, b, 7, 37);
        assertThat(a).containsExactly(want);
    }
}
