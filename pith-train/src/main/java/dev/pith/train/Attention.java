package dev.pith.train;

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
    private Activations acts = new Activations(), scratch = new Activations();

    /** Rows of the causal score matrix computed per product: a multiple of the GEMM tile height. */
    private static final int ROW_BLOCK = 64;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    private static float[] scratch(int size) {
        float[] s = SCRATCH.get();
        if (s.length < size) {
            s = new float[size];
            SCRATCH.set(s);
        }
        return s;
    }

    /** Row of raw scores q·k (the first {@code seen} valid) → probabilities of the scaled scores; the rest of the row zeroed. */
    static void softmaxRow(float[] att, int o, int seen, int t, float scale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < seen; j++) {
            float d = att[o + j] * scale;
            att[o + j] = d;
            max = Math.max(max, d);
        }
        float sum = 0;
        for (int j = 0; j < seen; j++) {
            float e = (float) Math.exp(att[o + j] - max);
            att[o + j] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int j = 0; j < seen; j++) att[o + j] *= inv;
        java.util.Arrays.fill(att, o + seen, o + t, 0f);
    }

    /** dP row (in ds at d) → dS = P·(dP − Σ P·dP)·scale over the seen keys; the rest zeroed. */
    static void softmaxBackwardRow(float[] att, int ao, float[] ds, int d, int seen, int t, float scale) {
        float dot = 0;
        for (int j = 0; j < seen; j++) dot += att[ao + j] * ds[d + j];
        for (int j = 0; j < seen; j++) ds[d + j] = att[ao + j] * (ds[d + j] - dot) * scale;
        java.util.Arrays.fill(ds, d + seen, d + t, 0f);
    }

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

    /** Where the saved activations live (shared between blocks under activation recomputation) and the backward-only gradients (always shared). */
    void useActivations(Activations saved, Activations scratch) {
        acts = saved;
        this.scratch = scratch;
    }

    private void ensure(int b, int t) {
        int n = b * t;
        batch = b;
        seq = t;
        int qd = heads * headDim, kd = kvHeads * headDim;
        q = acts.get("attn.q", n * qd);
        k = acts.get("attn.k", n * kd);
        v = acts.get("attn.v", n * kd);
        att = acts.get("attn.att", b * heads * t * t);
        out = acts.get("attn.out", n * qd);
        dq = scratch.get("attn.dq", n * qd);
        dk = scratch.get("attn.dk", n * kd);
        dv = scratch.get("attn.dv", n * kd);
        dout = scratch.get("attn.dout", n * qd);
    }

    /** y = attention(x) for b sequences of t positions; x stays referenced until backward. */
    public void forward(float[] x, float[] y, int b, int t) {
        ensure(b, t);
        int n = b * t, qd = heads * headDim, kd = kvHeads * headDim;
        wq.forward(x, q, n);
        wk.forward(x, k, n);
        wv.forward(x, v, n);
        ShareThreads.forRange(n, 16, (from, to) -> {
            for (int i = from; i < to; i++) {
                rope.rotate(q, i * qd, heads, i % t, false);
                rope.rotate(k, i * kd, kvHeads, i % t, false);
            }
        });
        int group = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        ShareThreads.forEach(b * kvHeads, task -> {
            int s = task / kvHeads, kvh = task % kvHeads;
            int ko = s * t * kd + kvh * headDim;
            for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                int qo = s * t * qd + h * headDim, ao = (s * heads + h) * t * t;
                // row blocks of the causal triangle: rows [i0, i1) only see keys [0, i1)
                for (int i0 = 0; i0 < t; i0 += ROW_BLOCK) {
                    int i1 = Math.min(t, i0 + ROW_BLOCK);
                    // S = Q·Kᵀ (K read as a transposed view)
                    Gemm.gemm(q, qo + i0 * qd, qd, 1, k, ko, 1, kd, att, ao + i0 * t, t, i1 - i0, i1, headDim, false, false);
                    for (int t1 = i0; t1 < i1; t1++) softmaxRow(att, ao + t1 * t, t1 + 1, t, scale);
                    // O = P·V over the keys the rows see
                    Gemm.gemm(att, ao + i0 * t, t, 1, v, ko, kd, 1, out, qo + i0 * qd, qd, i1 - i0, headDim, i1, false, false);
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
        ShareThreads.forEach(b * kvHeads, task -> {
            int s = task / kvHeads, kvh = task % kvHeads;
            int ko = s * t * kd + kvh * headDim;
            float[] ds = scratch(t * t);
            for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                int qo = s * t * qd + h * headDim, ao = (s * heads + h) * t * t;
                for (int i0 = 0; i0 < t; i0 += ROW_BLOCK) {
                    int i1 = Math.min(t, i0 + ROW_BLOCK), rows = i1 - i0;
                    // dP = dO·Vᵀ on the rows' visible keys, then the softmax backward in place:
                    // dS = P·(dP − Σ P·dP)·scale (the scores were scaled q·k)
                    Gemm.gemm(dout, qo + i0 * qd, qd, 1, v, ko, 1, kd, ds, i0 * t, t, rows, i1, headDim, false, false);
                    for (int t1 = i0; t1 < i1; t1++) softmaxBackwardRow(att, ao + t1 * t, ds, t1 * t, t1 + 1, t, scale);
                    // dQ = dS·K
                    Gemm.gemm(ds, i0 * t, t, 1, k, ko, kd, 1, dq, qo + i0 * qd, qd, rows, headDim, i1, false, false);
                    // dV += Pᵀ·dO and dK += dSᵀ·Q, for key rows [i0, i1) from the query rows [i0, t) that see them
                    Gemm.gemm(att, ao + i0 * t + i0, 1, t, dout, qo + i0 * qd, qd, 1, dv, ko + i0 * kd, kd, rows, headDim, t - i0, true, false);
                }
                // dK needs dS rows below the block too: after every block of this head is done
                for (int i0 = 0; i0 < t; i0 += ROW_BLOCK) {
                    int i1 = Math.min(t, i0 + ROW_BLOCK), rows = i1 - i0;
                    Gemm.gemm(ds, i0 * t + i0, 1, t, q, qo + i0 * qd, qd, 1, dk, ko + i0 * kd, kd, rows, headDim, t - i0, true, false);
                }
            }
        });
        ShareThreads.forRange(n, 16, (from, to) -> {
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
