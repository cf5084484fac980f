package dev.pith.train;

/**
 * y = x · Wᵀ for a weight W of out × in (GGUF layout: each output is a row). Saves a reference to
 * its input for the weight gradient; the caller must not overwrite it before backward.
 *
 * <p>Fine-tuning hooks in here and nowhere else in the layers: a frozen W (no gradient buffer)
 * only propagates dx; a {@link FrozenBase} replaces the float product by another representation of
 * W (QLoRA's quantized blocks); an {@link Adapter} adds its own term beside the base (LoRA).
 */
public final class Linear {
    /** A trainable term added to the base product: y += f(x) forward, dx += (∂f/∂x)ᵀ·dy backward (and its own gradients). */
    public interface Adapter {
        void forward(float[] x, float[] y, int n);
        void backward(float[] dy, float[] dx, int n);
    }

    /** A frozen W in another form than {@link Param#w}: y = x·Wᵀ and dx (+)= dy·W. */
    public interface FrozenBase {
        void forward(float[] x, float[] y, int n);
        void backwardInput(float[] dy, float[] dx, int n, boolean accumulate);
    }

    private final Param weight;
    private float[] x;
    private Adapter adapter;
    private FrozenBase base;

    public Linear(Param weight) { this.weight = weight; }

    public Param weight() { return weight; }
    public int in() { return weight.cols(); }
    public int out() { return weight.rows(); }
    public Adapter adapter() { return adapter; }
    public void setAdapter(Adapter a) { this.adapter = a; }
    public void setFrozenBase(FrozenBase b) {
        if (b != null && weight.trainable()) throw new IllegalStateException(weight.name() + " is trainable; only a frozen weight can be replaced");
        this.base = b;
    }

    public void forward(float[] x, float[] y, int n) {
        this.x = x;
        if (base != null) base.forward(x, y, n);
        else Gemm.nt(x, weight.w, y, n, out(), in(), false);
        if (adapter != null) adapter.forward(x, y, n);
    }

    /** W.g += dyᵀ · x (unless frozen); dx (+)= dy · W (+ the adapter's input gradient). */
    public void backward(float[] dy, float[] dx, int n, boolean accumulateDx) {
        if (weight.g != null) Gemm.tn(dy, x, weight.g, out(), in(), n, true);
        if (base != null) base.backwardInput(dy, dx, n, accumulateDx);
        else Gemm.nn(dy, weight.w, dx, n, in(), out(), accumulateDx);
        if (adapter != null) adapter.backward(dy, dx, n);
    }
}
