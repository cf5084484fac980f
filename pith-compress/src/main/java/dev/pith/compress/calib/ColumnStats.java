package dev.pith.compress.calib;

import dev.pith.model.runtime.ActivationObserver;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Per input column of each watched matrix product: the sum of squares (Wanda's ‖X_j‖₂) and the sum
 * of absolute values (Minitron's mean |activation| for neuron importance), over calibration tokens.
 */
public final class ColumnStats implements ActivationObserver {
    private final Predicate<String> watch;
    private final Map<String, double[]> sumSq = new HashMap<>();
    private final Map<String, double[]> sumAbs = new HashMap<>();
    private final Map<String, Long> rows = new HashMap<>();

    public ColumnStats(Predicate<String> watch) { this.watch = watch; }

    @Override
    public void linearInput(String weight, float[] x, int n, int cols) {
        if (!watch.test(weight)) return;
        double[] sq = sumSq.computeIfAbsent(weight, k -> new double[cols]);
        double[] ab = sumAbs.computeIfAbsent(weight, k -> new double[cols]);
        for (int t = 0; t < n; t++) {
            int off = t * cols;
            for (int j = 0; j < cols; j++) {
                double v = x[off + j];
                sq[j] += v * v;
                ab[j] += Math.abs(v);
            }
        }
        rows.merge(weight, (long) n, Long::sum);
    }

    /** ‖X_j‖₂ over every observed token, per column (null when the tensor was never seen). */
    public double[] norms(String weight) {
        double[] sq = sumSq.get(weight);
        if (sq == null) return null;
        double[] r = new double[sq.length];
        for (int j = 0; j < r.length; j++) r[j] = Math.sqrt(sq[j]);
        return r;
    }

    /** Mean |X_j| over every observed token, per column (null when never seen). */
    public double[] meanAbs(String weight) {
        double[] ab = sumAbs.get(weight);
        if (ab == null) return null;
        double[] r = new double[ab.length];
        long n = rows.get(weight);
        for (int j = 0; j < r.length; j++) r[j] = ab[j] / n;
        return r;
    }

    public long tokens(String weight) { return rows.getOrDefault(weight, 0L); }
}
