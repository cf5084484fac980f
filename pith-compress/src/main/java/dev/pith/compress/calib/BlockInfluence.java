package dev.pith.compress.calib;

import dev.pith.model.runtime.ActivationObserver;

/**
 * ShortGPT's Block Influence (Men et al. 2024): BI_l = 1 − mean over tokens of cos(h_l, h_{l+1}),
 * the hidden state entering block l against the one leaving it. A block that barely turns the
 * hidden state changes little and is the first to remove.
 */
public final class BlockInfluence implements ActivationObserver {
    private final double[] cosSum;
    private long tokens;
    private float[] previous = new float[0];

    public BlockInfluence(int layers) { this.cosSum = new double[layers]; }

    @Override
    public void hiddenState(int layer, float[] x, int n, int dim) {
        if (layer > 0) {
            for (int t = 0; t < n; t++) cosSum[layer - 1] += cosine(previous, x, t * dim, dim);
        }
        if (layer == 0) tokens += n;
        if (layer < cosSum.length) {
            if (previous.length < n * dim) previous = new float[n * dim];
            System.arraycopy(x, 0, previous, 0, n * dim);
        }
    }

    private static double cosine(float[] a, float[] b, int off, int dim) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = off; i < off + dim; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return aa == 0 || bb == 0 ? 0 : ab / Math.sqrt(aa * bb);
    }

    /** BI per block. */
    public double[] scores() {
        double[] s = new double[cosSum.length];
        for (int l = 0; l < s.length; l++) s[l] = 1 - cosSum[l] / tokens;
        return s;
    }
}
