package dev.pith.train;

/**
 * y = x · Wᵀ for a weight W of out × in (GGUF layout: each output is a row). Saves a reference to
 * its input for the weight gradient; the caller must not overwrite it before backward.
 */
public final class Linear {
    private final Param weight;
    private float[] x;

    public Linear(Param weight) { this.weight = weight; }

    public Param weight() { return weight; }
    public int in() { return weight.cols(); }
    public int out() { return weight.rows(); }

    public void forward(float[] x, float[] y, int n) {
        this.x = x;
        Gemm.nt(x, weight.w, y, n, out(), in(), false);
    }

    /** W.g += dyᵀ · x; dx (+)= dy · W. */
    public void backward(float[] dy, float[] dx, int n, boolean accumulateDx) {
        Gemm.tn(dy, x, weight.g, out(), in(), n, true);
        Gemm.nn(dy, weight.w, dx, n, in(), out(), accumulateDx);
    }
}
