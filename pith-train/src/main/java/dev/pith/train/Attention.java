package dev.pith.train;

import dev.pith.core.Parallel;

/**
 * Causal self-attention with RoPE and grouped-query heads: q, k, v projections, rotary positions on
 * q and k, softmax(q·kᵀ/√d) over earlier positions, the output projection. Saves the rotated q and
 * k, v, the attention probabilities (batch × heads × T × T) and the head outputs for backward.
 * Work is split over (sequence, kv head) pairs so the heads sharing a kv head write its gradient
 * from one thread.
 */
public final class Attention {
    private final Linear wq, wk, wv, wo;
    private final int heads, kvHeads, headDim;
    private final RopeTable rope;
    private int batch, seq;
    private float[] q, k, v, att, out, dq, dk, dv, dout;

    public Attention(Param q, Param k, Param v, Param o, int heads, int kvHeads, int headDim, RopeTable rope) {
        this(new Linear(q), new Linear(k), new Linear(v), new Linear(o), heads, kvHeads, headDim, rope);
    }

    private Attention(Linear q, Linear k, Linear v, Linear o, int heads, int kvHeads, int headDim, RopeTable rope) {
        this.wq = q;
        this.wk = k;
        this.wv = v;
        this.wo = o;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.rope = rope;
    }

    /** The same projections (and their fine-tuning hooks) with another RoPE table (built once the sequence length is known). */
    Attention withRope(RopeTable table) {
        return new Attention(wq, wk, wv, wo, heads, kvHeads, headDim, table);
    }

    java.util.List<Linear> linears() { return java.util.List.of(wq, wk, wv, wo); }

    private void ensure(int b, int t) {
        int n = b * t;
        if (q != null && batch == b && seq == t) return;
        batch = b;
        seq = t;
        int qd = heads * headDim, kd = kvHeads * headDim;
        q = new float[n * qd];
        k = new float[n * kd];
        v = new float[n * kd];
        att = new float[b * heads * t * t];
        out = new float[n * qd];
        dq = new float[n * qd];
        dk = new float[n * kd];
        dv = new float[n * kd];
        dout = new float[n * qd];
    }

    /** y = attention(x) for b sequences of t positions; x stays referenced until backward. */
    public void forward(float[] x, float[] y, int b, int t) {
        ensure(b, t);
        int n = b * t, qd = heads * headDim, kd = kvHeads * headDim;
        wq.forward(x, q, n);
        wk.forward(x, k, n);
        wv.forward(x, v, n);
        Parallel.forRange(n, 16, (from, to) -> {
            for (int i = from; i < to; i++) {
                rope.rotate(q, i * qd, heads, i % t, false);
                rope.rotate(k, i * kd, kvHeads, i % t, false);
            }
        });
        int group = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Parallel.forEach(b * kvHeads, task -> {
            int s = task / kvHeads, kvh = task % kvHeads;
            for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                for (int t1 = 0; t1 < t; t1++) {
                    int qo = (s * t + t1) * qd + h * headDim;
                    int ao = ((s * heads + h) * t + t1) * t;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int t2 = 0; t2 <= t1; t2++) {
                        int ko = (s * t + t2) * kd + kvh * headDim;
                        float d = 0;
                        for (int e = 0; e < headDim; e++) d += q[qo + e] * k[ko + e];
                        d *= scale;
                        att[ao + t2] = d;
                        max = Math.max(max, d);
                    }
                    float sum = 0;
                    for (int t2 = 0; t2 <= t1; t2++) {
                        float e = (float) Math.exp(att[ao + t2] - max);
                        att[ao + t2] = e;
                        sum += e;
                    }
                    float inv = 1f / sum;
                    for (int t2 = 0; t2 <= t1; t2++) att[ao + t2] *= inv;
                    for (int t2 = t1 + 1; t2 < t; t2++) att[ao + t2] = 0f;
                    for (int e = 0; e < headDim; e++) out[qo + e] = 0f;
                    for (int t2 = 0; t2 <= t1; t2++) {
                        float p = att[ao + t2];
                        int vo = (s * t + t2) * kd + kvh * headDim;
                        for (int e = 0; e < headDim; e++) out[qo + e] += p * v[vo + e];
                    }
                }
            }
        });
        wo.forward(out, y, n);
    }

    /** dx (+)= the input gradient; parameter gradients accumulate. */
    public void backward(float[] dy, float[] dx, boolean accumulateDx) {
        int b = batch, t = seq, n = b * t, qd = heads * headDim, kd = kvHeads * headDim;
        wo.backward(dy, dout, n, false);
        int group = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        java.util.Arrays.fill(dk, 0f);
        java.util.Arrays.fill(dv, 0f);
        Parallel.forEach(b * kvHeads, task -> {
            int s = task / kvHeads, kvh = task % kvHeads;
            float[] dp = new float[t];
            for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                for (int t1 = 0; t1 < t; t1++) {
                    int qo = (s * t + t1) * qd + h * headDim;
                    int ao = ((s * heads + h) * t + t1) * t;
                    // dv += p·dout; dp = dout·v
                    float dot = 0;
                    for (int t2 = 0; t2 <= t1; t2++) {
                        int vo = (s * t + t2) * kd + kvh * headDim;
                        float p = att[ao + t2];
                        float d = 0;
                        for (int e = 0; e < headDim; e++) {
                            dv[vo + e] += p * dout[qo + e];
                            d += dout[qo + e] * v[vo + e];
                        }
                        dp[t2] = d;
                        dot += p * d;
                    }
                    // softmax backward: ds = p·(dp − Σ p·dp); scores were scaled q·k
                    for (int e = 0; e < headDim; e++) dq[qo + e] = 0f;
                    for (int t2 = 0; t2 <= t1; t2++) {
                        float ds = att[ao + t2] * (dp[t2] - dot) * scale;
                        int ko = (s * t + t2) * kd + kvh * headDim;
                        for (int e = 0; e < headDim; e++) {
                            dq[qo + e] += ds * k[ko + e];
                            dk[ko + e] += ds * q[qo + e];
                        }
                    }
                }
            }
        });
        Parallel.forRange(n, 16, (from, to) -> {
            for (int i = from; i < to; i++) {
                rope.rotate(dq, i * qd, heads, i % t, true);
                rope.rotate(dk, i * kd, kvHeads, i % t, true);
            }
        });
        wq.backward(dq, dx, n, accumulateDx);
        wk.backward(dk, dx, n, true);
        wv.backward(dv, dx, n, true);
    }
}
