package dev.pith.compress.calib;

import dev.pith.model.runtime.ActivationObserver;

/**
 * ShortGPT's Block Influence of every transformer block: 1 − cos(h_in, h_out) between the hidden
 * state entering a block and the one leaving it, averaged over calibration tokens. A block that
 * barely turns its input matters least; depth pruning removes those first.
 */
public final class BlockInfluence implements ActivationObserver {
    private final double[] sum;
    private final long[] count;
    private float[] previous = new float[0];
    private int previousLayer = -1;

    public BlockInfluence(int layers) {
        sum = new double[layers];
        count = new long[layers];
    }

    @Override
    public void hiddenState(int layer, float[] x, int n, int dim) {
        // The runtime reports layer 0, 1, ..., layers for every batch: compare each with the one before.
        if (layer > 0 && previousLayer == layer - 1) {
            for (int t = 0; t < n; t++) {
                double dot = 0, a = 0, b = 0;
                int off = t * dim;
                for (int j = 0; j < dim; j++) {
                    double u = previous[off + j], v = x[off + j];
                    dot += u * v;
                    a += u * u;
                    b += v * v;
                }
                double cos = a == 0 || b == 0 ? 1 : dot / Math.sqrt(a * b);
                sum[layer - 1] += 1 - cos;
                count[layer - 1]++;
            }
        }
        if (previous.length < n * dim) previous = new float[n * dim];
        System.arraycopy(x, 0, previous, 0, n * dim);
        previousLayer = layer;
    }

    /** Mean 1 − cos per block (NaN for a block that saw no tokens). */
    public double[] scores() {
        double[] r = new double[sum.length];
        for (int l = 0; l < r.length; l++) r[l] = count[l] == 0 ? Double.NaN : sum[l] / count[l];
        return r;
    }
}
