package dev.pith.train.lora;

import dev.pith.train.Rng;

import java.util.function.BooleanSupplier;

/**
 * Dropout on an adapter's input (LoRA and AdaLoRA): while the model trains, each input entry is
 * zeroed with probability p and the rest scaled by 1/(1−p); at evaluation the input passes
 * unchanged. The mask is kept for backward, where the input gradient goes through it again.
 */
final class InputDropout {
    private final float p;
    private final Rng rng;
    private final BooleanSupplier training;
    private float[] xd = new float[0], mask = new float[0], dxd = new float[0];
    private boolean dropped;

    InputDropout(double p, Rng rng, BooleanSupplier training) {
        this.p = (float) p;
        this.rng = rng;
        this.training = training;
    }

    /** x itself (no dropout now) or a masked copy of its first {@code len} entries. */
    float[] apply(float[] x, int len) {
        dropped = p > 0 && training.getAsBoolean();
        if (!dropped) return x;
        xd = grow(xd, len);
        mask = grow(mask, len);
        float keep = 1f / (1f - p);
        for (int i = 0; i < len; i++) {
            mask[i] = rng.nextDouble() < p ? 0f : keep;
            xd[i] = x[i] * mask[i];
        }
        return xd;
    }

    boolean dropped() { return dropped; }

    /** The mask generator (its state goes into checkpoints so that a resumed run draws the same masks). */
    Rng rng() { return rng; }

    /** A scratch for the gradient with respect to the dropped input (only when {@link #dropped()}). */
    float[] scratch(int len) { return dxd = grow(dxd, len); }

    /** dx += mask ⊙ scratch: the gradient back through the mask of the last forward. */
    void addThroughMask(float[] dx, int len) {
        for (int i = 0; i < len; i++) dx[i] += dxd[i] * mask[i];
    }

    static float[] grow(float[] a, int n) { return a.length >= n ? a : new float[n]; }
}
