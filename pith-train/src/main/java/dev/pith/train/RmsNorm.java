package dev.pith.train;

/**
 * y = x · r · w with r = 1/sqrt(mean(x²) + eps), per row of width {@code dim}. Saves r per row and
 * reads the input again in backward (the caller keeps it alive):
 * dx_i = r·(dy_i·w_i) − r³/dim · x_i · Σ_j dy_j·w_j·x_j,  dw_j += Σ_rows dy_j·x_j·r.
 */
public final class RmsNorm {
    private final Param weight;
    private final float eps;
    private float[] rstd = new float[0];
    private float[] x;

    public RmsNorm(Param weight, float eps) {
        this.weight = weight;
        this.eps = eps;
    }

    public Param weight() { return weight; }

    public void forward(float[] x, float[] out, int n) {
        int dim = weight.cols();
        if (rstd.length < n) rstd = new float[n];
        this.x = x;
        float[] w = weight.w;
        ShareThreads.forRange(n, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                int o = i * dim;
                double ss = 0;
                for (int j = 0; j < dim; j++) ss += x[o + j] * x[o + j];
                float r = (float) (1.0 / Math.sqrt(ss / dim + eps));
                rstd[i] = r;
                for (int j = 0; j < dim; j++) out[o + j] = x[o + j] * r * w[j];
            }
        });
    }

    /** dx += the input gradient; weight.g += the weight gradient. */
    public void backward(float[] dy, float[] dx, int n) {
        int dim = weight.cols();
        float[] w = weight.w;
        ShareThreads.forRange(n, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                int o = i * dim;
                float r = rstd[i];
                double dot = 0;
                for (int j = 0; j < dim; j++) dot += dy[o + j] * w[j] * x[o + j];
                float c = (float) (dot * r * r * r / dim);
                for (int j = 0; j < dim; j++) dx[o + j] += r * dy[o + j] * w[j] - c * x[o + j];
            }
        });
        // The weight gradient sums over rows: one pass per column block keeps it race-free.
        float[] g = weight.g;
        if (g == null) return; // frozen
        ShareThreads.forRange(dim, 16, (from, to) -> {
            for (int i = 0; i < n; i++) {
                int o = i * dim;
                float r = rstd[i];
                for (int j = from; j < to; j++) g[j] += dy[o + j] * x[o + j] * r;
            }
        });
    }
}
