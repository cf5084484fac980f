package dev.pith.train;

/**
 * The forward pass of each layer written again in double precision, plainly and independently of
 * the float32 code (RoPE angles from the closed form, softmax from its definition): the objective
 * that finite differences differentiate.
 */
final class Reference {
    private Reference() {}

    static double[] rmsNorm(double[] x, double[] w, int n, int dim, double eps) {
        double[] y = new double[n * dim];
        for (int i = 0; i < n; i++) {
            double ss = 0;
            for (int j = 0; j < dim; j++) ss += x[i * dim + j] * x[i * dim + j];
            double r = 1 / Math.sqrt(ss / dim + eps);
            for (int j = 0; j < dim; j++) y[i * dim + j] = x[i * dim + j] * r * w[j];
        }
        return y;
    }

    /** y[n × out] = x[n × in] · Wᵀ, W out × in. */
    static double[] linear(double[] x, double[] w, int n, int in, int out) {
        double[] y = new double[n * out];
        for (int i = 0; i < n; i++)
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int j = 0; j < in; j++) s += x[i * in + j] * w[o * in + j];
                y[i * out + o] = s;
            }
        return y;
    }

    /** Adjacent-pair rotation of every head at position (row mod t). */
    static double[] rope(double[] v, int n, int t, int nHeads, int hd, double base) {
        double[] y = v.clone();
        for (int i = 0; i < n; i++) {
            int pos = i % t;
            for (int h = 0; h < nHeads; h++)
                for (int p = 0; p < hd / 2; p++) {
                    double ang = pos * Math.pow(base, -2.0 * p / hd);
                    int a = i * nHeads * hd + h * hd + 2 * p;
                    double x0 = v[a], x1 = v[a + 1];
                    y[a] = x0 * Math.cos(ang) - x1 * Math.sin(ang);
                    y[a + 1] = x0 * Math.sin(ang) + x1 * Math.cos(ang);
                }
        }
        return y;
    }

    static double[] attention(double[] x, double[] wq, double[] wk, double[] wv, double[] wo,
                              int b, int t, int dim, int heads, int kvHeads, int hd, double base) {
        int n = b * t;
        double[] q = rope(linear(x, wq, n, dim, heads * hd), n, t, heads, hd, base);
        double[] k = rope(linear(x, wk, n, dim, kvHeads * hd), n, t, kvHeads, hd, base);
        double[] v = linear(x, wv, n, dim, kvHeads * hd);
        double[] out = new double[n * heads * hd];
        for (int s = 0; s < b; s++)
            for (int h = 0; h < heads; h++) {
                int kvh = h / (heads / kvHeads);
                for (int t1 = 0; t1 < t; t1++) {
                    double[] sc = new double[t1 + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int t2 = 0; t2 <= t1; t2++) {
                        double d = 0;
                        for (int e = 0; e < hd; e++)
                            d += q[(s * t + t1) * heads * hd + h * hd + e] * k[(s * t + t2) * kvHeads * hd + kvh * hd + e];
                        sc[t2] = d / Math.sqrt(hd);
                        max = Math.max(max, sc[t2]);
                    }
                    double z = 0;
                    for (int t2 = 0; t2 <= t1; t2++) z += Math.exp(sc[t2] - max);
                    for (int t2 = 0; t2 <= t1; t2++) {
                        double p = Math.exp(sc[t2] - max) / z;
                        for (int e = 0; e < hd; e++)
                            out[(s * t + t1) * heads * hd + h * hd + e] += p * v[(s * t + t2) * kvHeads * hd + kvh * hd + e];
                    }
                }
            }
        return linear(out, wo, n, heads * hd, dim);
    }

    static double[] swiglu(double[] x, double[] gate, double[] up, double[] down, int n, int dim, int ffn) {
        double[] g = linear(x, gate, n, dim, ffn), u = linear(x, up, n, dim, ffn);
        double[] h = new double[n * ffn];
        for (int i = 0; i < h.length; i++) h[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
        return linear(h, down, n, ffn, dim);
    }

    /** Mean of −log softmax(logits)[target] over n rows. */
    static double crossEntropy(double[] logits, int[] targets, int n, int vocab) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < vocab; j++) max = Math.max(max, logits[i * vocab + j]);
            double z = 0;
            for (int j = 0; j < vocab; j++) z += Math.exp(logits[i * vocab + j] - max);
            total += -(logits[i * vocab + targets[i]] - max - Math.log(z));
        }
        return total / n;
    }
}
