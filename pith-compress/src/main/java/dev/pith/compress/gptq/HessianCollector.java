package dev.pith.compress.gptq;

import dev.pith.core.Parallel;
import dev.pith.model.runtime.ActivationObserver;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Accumulates, per weight matrix, XᵀX over every calibration row X that the matrix multiplies
 * (the GPTQ / SparseGPT Hessian is 2XᵀX/n). Only the upper triangle is summed, in double, in
 * parallel over the Hessian's rows; {@link #hessians()} mirrors and scales it.
 */
public final class HessianCollector implements ActivationObserver {
    private final Map<String, double[]> sums = new LinkedHashMap<>();
    private final Map<String, Long> rows = new LinkedHashMap<>();
    private final Map<String, Integer> widths = new LinkedHashMap<>();

    @Override
    public void linearInput(String weight, float[] x, int n, int cols) {
        double[] h = sums.computeIfAbsent(weight, k -> new double[cols * cols]);
        widths.put(weight, cols);
        Parallel.forRange(cols, 8, (from, to) -> {
            for (int r = 0; r < n; r++) {
                int o = r * cols;
                for (int i = from; i < to; i++) {
                    double xi = x[o + i];
                    if (xi == 0) continue;
                    int hi = i * cols;
                    for (int j = i; j < cols; j++) h[hi + j] += xi * x[o + j];
                }
            }
        });
        rows.merge(weight, (long) n, Long::sum);
    }

    /**
     * H = 2XᵀX/n for every matrix seen, made in place from the sums (no second copy: one block of
     * llama-3.2-1b is 0.7 GB of Hessians); the collector is empty afterwards.
     */
    public Map<String, Hessian> takeHessians() {
        Map<String, Hessian> out = new LinkedHashMap<>();
        for (var e : sums.entrySet()) {
            int c = widths.get(e.getKey());
            double[] h = e.getValue();
            double f = 2.0 / rows.get(e.getKey());
            for (int i = 0; i < c; i++) {
                h[i * c + i] *= f;
                for (int j = i + 1; j < c; j++) {
                    h[i * c + j] *= f;
                    h[j * c + i] = h[i * c + j];
                }
            }
            out.put(e.getKey(), new Hessian(c, h, rows.get(e.getKey())));
        }
        sums.clear();
        rows.clear();
        widths.clear();
        return out;
    }

    /** H = 2XᵀX/n for every matrix seen, full (symmetric) cols × cols, row-major. */
    public Map<String, Hessian> hessians() {
        Map<String, Hessian> out = new LinkedHashMap<>();
        for (var e : sums.entrySet()) {
            int c = widths.get(e.getKey());
            double[] s = e.getValue(), h = new double[c * c];
            double f = 2.0 / rows.get(e.getKey());
            for (int i = 0; i < c; i++) {
                for (int j = i; j < c; j++) {
                    h[i * c + j] = s[i * c + j] * f;
                    h[j * c + i] = s[i * c + j] * f;
                }
            }
            out.put(e.getKey(), new Hessian(c, h, rows.get(e.getKey())));
        }
        return out;
    }
}
