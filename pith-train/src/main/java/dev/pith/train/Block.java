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
    private Activations acts = new Activations(), scratch = new Activations();

    Block(RmsNorm attnNorm, Attention attention, RmsNorm ffnNorm, SwiGlu mlp) {
        this.attnNorm = attnNorm;
        this.attention = attention;
        this.ffnNorm = ffnNorm;
        this.mlp = mlp;
    }

    /**
     * Keeps this block's activations in {@code saved}: its own, or one set every block shares
     * (recomputation); and the gradients that live only inside one block's backward (the input
     * gradients of its layers) in {@code scratch}, one set the whole model shares: backward runs one
     * block at a time, so a set per block would only hold stale numbers.
     */
    void useActivations(Activations saved, Activations scratch) {
        acts = saved;
        this.scratch = scratch;
        attention.useActivations(saved, scratch);
        mlp.useActivations(saved, scratch);
    }

    Activations activations() { return acts; }

    void forward(float[] x, float[] y, int b, int t, int dim) {
        int n = b * t;
        this.n = n;
        xn1 = acts.get("block.xn1", n * dim);
        // the attention and MLP outputs only live until they join the residual stream: scratch
        a = scratch.get("block.a", n * dim);
        h = acts.get("block.h", n * dim);
        xn2 = acts.get("block.xn2", n * dim);
        m = scratch.get("block.m", n * dim);
        dxn = scratch.get("block.dxn", n * dim);
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
