package dev.pith.train;

import dev.pith.core.Parallel;

import java.util.List;

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter), in the order torch.optim.AdamW applies
 * it: w ← w·(1 − lr·wd) for decayed parameters; m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
 * w ← w − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε). Parameters with {@link Param#decay()} false (norms,
 * embedding) are never decayed.
 */
public final class AdamW {
    private final List<Param> params;
    private final float beta1, beta2, eps, weightDecay;
    final float[][] m, v;
    long t;

    public AdamW(List<Param> params, double beta1, double beta2, double eps, double weightDecay) {
        this.params = params;
        this.beta1 = (float) beta1;
        this.beta2 = (float) beta2;
        this.eps = (float) eps;
        this.weightDecay = (float) weightDecay;
        this.m = new float[params.size()][];
        this.v = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            m[i] = new float[params.get(i).size()];
            v[i] = new float[params.get(i).size()];
        }
    }

    public long stepCount() { return t; }

    public void step(double lr) {
        t++;
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
        float stepSize = (float) (lr / bc1);
        float invBc2Sqrt = (float) (1 / bc2Sqrt);
        float b1 = beta1, b2 = beta2, c1 = 1 - beta1, c2 = 1 - beta2;
        for (int pi = 0; pi < params.size(); pi++) {
            Param p = params.get(pi);
            float[] w = p.w, g = p.g, mm = m[pi], vv = v[pi];
            float decay = p.decay() ? (float) (1 - lr * weightDecay) : 1f;
            Parallel.forRange(w.length, 1 << 14, (from, to) -> {
                for (int i = from; i < to; i++) {
                    float gi = g[i];
                    float mi = mm[i] * b1 + gi * c1;
                    float vi = vv[i] * b2 + gi * gi * c2;
                    mm[i] = mi;
                    vv[i] = vi;
                    float denom = (float) Math.sqrt(vi) * invBc2Sqrt + eps;
                    w[i] = w[i] * decay - stepSize * (mi / denom);
                }
            });
        }
    }
}
