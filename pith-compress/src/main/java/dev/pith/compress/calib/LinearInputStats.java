package dev.pith.compress.calib;

import dev.pith.core.Parallel;
import dev.pith.model.runtime.ActivationObserver;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Statistics of the inputs of chosen matrix products over calibration tokens: per input column
 * Σx² (Wanda's feature norms) and Σ|x| (neuron importance), and optionally the Gram matrix XᵀX
 * (SparseGPT's Hessian, in double so thousands of tokens sum without loss).
 */
public final class LinearInputStats implements ActivationObserver {
    /** Sums for one weight's input. */
    public static final class Sums {
        public final int cols;
        public final double[] squares;
        public final double[] abs;
        public final double[] gram;
        public long tokens;

        Sums(int cols, boolean gram) {
            this.cols = cols;
            this.squares = new double[cols];
            this.abs = new double[cols];
            this.gram = gram ? new double[cols * cols] : null;
        }
    }

    private final Set<String> weights;
    private final boolean gram;
    private final Map<String, Sums> sums = new HashMap<>();

    public LinearInputStats(Set<String> weights, boolean gram) {
        this.weights = weights;
        this.gram = gram;
    }

    public Sums get(String weight) { return sums.get(weight); }

    @Override
    public void linearInput(String weight, float[] x, int n, int cols) {
        if (!weights.contains(weight)) return;
        Sums s = sums.computeIfAbsent(weight, k -> new Sums(cols, gram));
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < cols; j++) {
                double v = x[t * cols + j];
                s.squares[j] += v * v;
                s.abs[j] += Math.abs(v);
            }
        }
        s.tokens += n;
        if (s.gram != null) {
            double[] g = s.gram;
            // rows of the Gram matrix are independent: split them over threads, fill the lower triangle
            Parallel.forRange(cols, 8, (a, b) -> {
                for (int i = a; i < b; i++) {
                    for (int t = 0; t < n; t++) {
                        double xi = x[t * cols + i];
                        if (xi == 0) continue;
                        int base = t * cols;
                        for (int j = 0; j <= i; j++) g[i * cols + j] += xi * x[base + j];
                    }
                }
            });
        }
    }

    /** The full symmetric XᵀX of a weight's input (the lower triangle mirrored). */
    public static double[] symmetricGram(Sums s) {
        int c = s.cols;
        double[] h = s.gram.clone();
        for (int i = 0; i < c; i++) for (int j = 0; j < i; j++) h[j * c + i] = h[i * c + j];
        return h;
    }
}
