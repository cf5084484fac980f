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
 * dB += dyᵀ·t, dt = s·dy·B, dA += dtᵀ·x̃, dx += m ⊙ (dt·A), where x̃ = m ⊙ x and m is 0 (dropped) or 1/(1−p). Every product is a thin
 * GEMM through {@link Gemm} (r is small), and nothing of the base's size is allocated.
 */
public final class LoraLinear implements Linear.Adapter {
    private final Param a, b;
    private final float scale, dropout;
    private final Rng rng;
    private final BooleanSupplier training;
    private float[] xd = new float[0], mask = new float[0], t = new float[0], dt = new float[0], dxd = new float[0];
    private float[] xIn;
    private boolean dropped;

    public LoraLinear(Param a, Param b, double scale, double dropout, Rng rng, BooleanSupplier training) {
        if (a.rows() != b.cols()) throw new IllegalArgumentException("A is " + a.rows() + "×" + a.cols() + " but B is " + b.rows() + "×" + b.cols());
        this.a = a;
        this.b = b;
        this.scale = (float) scale;
        this.dropout = (float) dropout;
        this.rng = rng;
        this.training = training;
    }

    public Param a() { return a; }
    public Param b() { return b; }
    public int rank() { return a.rows(); }
    public double scale() { return scale; }

    /** PEFT's default initialisation: A ~ U(−1/√in, 1/√in), B = 0. */
    public static void initialize(Param a, Param b, Rng rng) {
        double bound = 1.0 / Math.sqrt(a.cols());
        for (int i = 0; i < a.w.length; i++) a.w[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        java.util.Arrays.fill(b.w, 0f);
    }

    @Override
    public void forward(float[] x, float[] y, int n) {
        int in = a.cols(), r = rank();
        xIn = x;
        dropped = dropout > 0 && training.getAsBoolean();
        float[] src = x;
        if (dropped) {
            xd = grow(xd, n * in);
            mask = grow(mask, n * in);
            float keep = 1f / (1f - dropout);
            for (int i = 0; i < n * in; i++) {
                mask[i] = rng.nextDouble() < dropout ? 0f : keep;
                xd[i] = x[i] * mask[i];
            }
            src = xd;
        }
        t = grow(t, n * r);
        Gemm.nt(src, a.w, t, n, r, in, false);
        for (int i = 0; i < n * r; i++) t[i] *= scale;
        Gemm.nt(t, b.w, y, n, b.rows(), r, true);
    }

    @Override
    public void backward(float[] dy, float[] dx, int n) {
        int in = a.cols(), r = rank(), out = b.rows();
        float[] src = dropped ? xd : xIn;
        Gemm.tn(dy, t, b.g, out, r, n, true);
        dt = grow(dt, n * r);
        Gemm.nn(dy, b.w, dt, n, r, out, false);
        for (int i = 0; i < n * r; i++) dt[i] *= scale;
        Gemm.tn(dt, src, a.g, r, in, n, true);
        if (!dropped) {
            Gemm.nn(dt, a.w, dx, n, in, r, true);
            return;
        }
        dxd = grow(dxd, n * in);
        Gemm.nn(dt, a.w, dxd, n, in, r, false);
        for (int i = 0; i < n * in; i++) dx[i] += dxd[i] * mask[i];
    }

    private static float[] grow(float[] a, int n) { return a.length >= n ? a : new float[n]; }
}
