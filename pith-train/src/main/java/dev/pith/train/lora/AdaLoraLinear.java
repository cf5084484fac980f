package dev.pith.train.lora;

import dev.pith.train.Gemm;
import dev.pith.train.Linear;
import dev.pith.train.Param;
import dev.pith.train.Rng;

import java.util.function.BooleanSupplier;

/**
 * AdaLoRA's SVD-form update beside a frozen projection: y += c · P·diag(λ)·Q·x̃ with Q (PEFT's
 * lora_A, r × in, right singular vectors), λ (lora_E, r, the singular values) and P (lora_B,
 * out × r), c = α/(r₀ + 1e-5). Pruning a triplet sets its λ to zero ({@link #keep}); Q and P rows
 * stay so that the budget can give the rank back later.
 *
 * <p>With t = Q·x̃ (r × n, kept from forward) and u = c·λ⊙t: dP += dyᵀ·u, g = Pᵀ·dyᵀ,
 * dλ_k += c·Σ_i g_ki·t_ki, dt = c·λ⊙g, dQ += dt·x̃, dx += m ⊙ (dtᵀ·Q).
 */
public final class AdaLoraLinear implements Linear.Adapter {
    private final Param a, e, b;
    private final float scale;
    private final InputDropout dropout;
    private final boolean[] keep;
    private float[] tT = new float[0], uT = new float[0], bT = new float[0], dbT = new float[0], gT = new float[0];
    private float[] src;

    public AdaLoraLinear(Param a, Param e, Param b, double scale, double dropout, Rng rng, BooleanSupplier training) {
        if (a.rows() != b.cols() || e.size() != a.rows())
            throw new IllegalArgumentException("Q is " + a.rows() + "×" + a.cols() + ", λ has " + e.size() + " entries, P is " + b.rows() + "×" + b.cols());
        this.a = a;
        this.e = e;
        this.b = b;
        this.scale = (float) scale;
        this.dropout = new InputDropout(dropout, rng, training);
        this.keep = new boolean[a.rows()];
        java.util.Arrays.fill(keep, true);
    }

    public Param a() { return a; }
    public Param e() { return e; }
    public Param b() { return b; }
    public int rank() { return a.rows(); }
    public double scale() { return scale; }
    /** Which triplets the last allocation kept (all at the start). */
    public boolean[] keep() { return keep; }

    public int keptRank() {
        int k = 0;
        for (boolean v : keep) if (v) k++;
        return k;
    }

    /** Keeps the triplets where {@code mask} is true and zeroes λ of the others (PEFT's masked_fill_ of lora_E). */
    public void mask(boolean[] mask) {
        System.arraycopy(mask, 0, keep, 0, keep.length);
        for (int k = 0; k < keep.length; k++) if (!keep[k]) e.w[k] = 0f;
    }

    /** Sets which triplets are kept without touching λ (restoring a checkpoint, whose λ are already as trained). */
    void restoreKeep(boolean[] kept) { System.arraycopy(kept, 0, keep, 0, keep.length); }

    /** The dropout mask generator. */
    Rng dropoutRng() { return dropout.rng(); }

    /** PEFT's AdaLoRA initialisation: λ = 0, Q and P ~ N(0, 0.02²). */
    public static void initialize(Param a, Param e, Param b, Rng rng) {
        for (int i = 0; i < a.w.length; i++) a.w[i] = (float) (0.02 * rng.nextGaussian());
        for (int i = 0; i < b.w.length; i++) b.w[i] = (float) (0.02 * rng.nextGaussian());
        java.util.Arrays.fill(e.w, 0f);
    }

    @Override
    public void forward(float[] x, float[] y, int n) {
        int in = a.cols(), r = rank(), out = b.rows();
        src = dropout.apply(x, n * in);
        tT = InputDropout.grow(tT, r * n);
        Gemm.nt(a.w, src, tT, r, n, in, false);
        uT = InputDropout.grow(uT, r * n);
        for (int k = 0; k < r; k++) {
            float s = scale * e.w[k];
            for (int i = 0; i < n; i++) uT[k * n + i] = s * tT[k * n + i];
        }
        bT = InputDropout.grow(bT, r * out);
        LoraLinear.transpose(b.w, bT, out, r);
        Gemm.tn(uT, bT, y, n, out, r, true);
    }

    @Override
    public void backward(float[] dy, float[] dx, int n) {
        int in = a.cols(), r = rank(), out = b.rows();
        dbT = InputDropout.grow(dbT, r * out);
        Gemm.nn(uT, dy, dbT, r, out, n, false);
        for (int o = 0; o < out; o++) for (int k = 0; k < r; k++) b.g[o * r + k] += dbT[k * out + o];
        gT = InputDropout.grow(gT, r * n);
        Gemm.nt(bT, dy, gT, r, n, out, false);
        for (int k = 0; k < r; k++) {
            double de = 0;
            for (int i = 0; i < n; i++) de += (double) gT[k * n + i] * tT[k * n + i];
            e.g[k] += (float) (scale * de);
            float s = scale * e.w[k];
            for (int i = 0; i < n; i++) gT[k * n + i] *= s; // now dt
        }
        Gemm.nn(gT, src, a.g, r, in, n, true);
        if (!dropout.dropped()) {
            Gemm.tn(gT, a.w, dx, n, in, r, true);
            return;
        }
        Gemm.tn(gT, a.w, dropout.scratch(n * in), n, in, r, false);
        dropout.addThroughMask(dx, n * in);
    }
}
