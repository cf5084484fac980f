package dev.pith.train.lora;

import dev.pith.train.Gemm;
import dev.pith.train.Linear;
import dev.pith.train.Param;
import dev.pith.train.Rng;

import java.util.function.BooleanSupplier;

/**
 * LoRA's update beside a frozen projection, as PEFT computes it: y += s · B·A·dropout(x) with
 * A (r × in), B (out × r), s = α/r. Kaiming-uniform A (bound 1/√in, what PEFT's
 * {@code kaiming_uniform_(a=√5)} gives) and zero B, so training starts from the base model.
 *
 * <p>Forward keeps t = s·A·x̃ (n × r); backward, with the output gradient dy:
 * dB += dyᵀ·t, dt = s·dy·B, dA += dtᵀ·x̃, dx += m ⊙ (dt·A), where x̃ = m ⊙ x and m is 0 (dropped)
 * or 1/(1−p). Every product goes through {@link Gemm}, and nothing of the base's size is allocated.
 */
public final class LoraLinear implements Linear.Adapter {
    private final Param a, b;
    private final float scale;
    private final InputDropout dropout;
    private float[] tT = new float[0], bT = new float[0], dbT = new float[0], dtT = new float[0];
    private float[] src;

    public LoraLinear(Param a, Param b, double scale, double dropout, Rng rng, BooleanSupplier training) {
        if (a.rows() != b.cols()) throw new IllegalArgumentException("A is " + a.rows() + "×" + a.cols() + " but B is " + b.rows() + "×" + b.cols());
        this.a = a;
        this.b = b;
        this.scale = (float) scale;
        this.dropout = new InputDropout(dropout, rng, training);
    }

    public Param a() { return a; }
    public Param b() { return b; }
    public int rank() { return a.rows(); }
    public double scale() { return scale; }
    /** The dropout mask generator (checkpointed so that a resumed run draws the same masks). */
    Rng dropoutRng() { return dropout.rng(); }

    /** PEFT's default initialisation: A ~ U(−1/√in, 1/√in), B = 0. */
    public static void initialize(Param a, Param b, Rng rng) {
        double bound = 1.0 / Math.sqrt(a.cols());
        for (int i = 0; i < a.w.length; i++) a.w[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        java.util.Arrays.fill(b.w, 0f);
    }

    @Override
    public void forward(float[] x, float[] y, int n) {
        int in = a.cols(), r = rank(), out = b.rows();
        src = dropout.apply(x, n * in);
        // Products with r columns would leave most vector lanes idle; each is computed transposed
        // (r rows × n, out or in columns) so every GEMM here is wide: tᵀ = s·A·x̃ᵀ, y += (tᵀ)ᵀ·Bᵀ.
        tT = grow(tT, r * n);
        Gemm.nt(a.w, src, tT, r, n, in, false);
        for (int i = 0; i < r * n; i++) tT[i] *= scale;
        bT = grow(bT, r * out);
        transpose(b.w, bT, out, r);
        Gemm.tn(tT, bT, y, n, out, r, true);
    }

    @Override
    public void backward(float[] dy, float[] dx, int n) {
        int in = a.cols(), r = rank(), out = b.rows();
        // dBᵀ = tᵀ·dy (r × out), added to B.g transposed
        dbT = grow(dbT, r * out);
        Gemm.nn(tT, dy, dbT, r, out, n, false);
        for (int o = 0; o < out; o++) for (int k = 0; k < r; k++) b.g[o * r + k] += dbT[k * out + o];
        // dtᵀ = s·Bᵀ·dyᵀ (r × n); B is unchanged since forward, so bT is still Bᵀ
        dtT = grow(dtT, r * n);
        Gemm.nt(bT, dy, dtT, r, n, out, false);
        for (int i = 0; i < r * n; i++) dtT[i] *= scale;
        Gemm.nn(dtT, src, a.g, r, in, n, true);
        if (!dropout.dropped()) {
            Gemm.tn(dtT, a.w, dx, n, in, r, true);
            return;
        }
        Gemm.tn(dtT, a.w, dropout.scratch(n * in), n, in, r, false);
        dropout.addThroughMask(dx, n * in);
    }

    /** dst[cols × rows] = src[rows × cols]ᵀ (small: B is out × r). */
    static void transpose(float[] src, float[] dst, int rows, int cols) {
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) dst[j * rows + i] = src[i * cols + j];
    }

    private static float[] grow(float[] a, int n) { return InputDropout.grow(a, n); }
}
