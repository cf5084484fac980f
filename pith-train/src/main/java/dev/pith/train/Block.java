package dev.pith.train;

/**
 * One pre-norm transformer block: h = x + attn(norm(x)); y = h + mlp(norm(h)). Backward takes
 * the gradient of y in {@code d} and leaves the gradient of x there.
 */
public final class Block {
    final RmsNorm attnNorm, ffnNorm;
    final Attention attention;
    final SwiGlu mlp;
    private int n;
    private float[] xn1, a, h, xn2, m, dxn;

    Block(RmsNorm attnNorm, Attention attention, RmsNorm ffnNorm, SwiGlu mlp) {
        this.attnNorm = attnNorm;
        this.attention = attention;
        this.ffnNorm = ffnNorm;
        this.mlp = mlp;
    }

    void forward(float[] x, float[] y, int b, int t, int dim) {
        int n = b * t;
        if (xn1 == null || this.n != n) {
            this.n = n;
            xn1 = new float[n * dim];
            a = new float[n * dim];
            h = new float[n * dim];
            xn2 = new float[n * dim];
            m = new float[n * dim];
            dxn = new float[n * dim];
        }
        attnNorm.forward(x, xn1, n);
        attention.forward(xn1, a, b, t);
        for (int i = 0; i < n * dim; i++) h[i] = x[i] + a[i];
        ffnNorm.forward(h, xn2, n);
        mlp.forward(xn2, m, n);
        for (int i = 0; i < n * dim; i++) y[i] = h[i] + m[i];
    }

    void backward(float[] d) {
        mlp.backward(d, dxn, false);
        ffnNorm.backward(dxn, d, n);
        attention.backward(d, dxn, false);
        attnNorm.backward(dxn, d, n);
    }
}
