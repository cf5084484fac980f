package dev.pith.compress.imatrix;

import dev.pith.model.runtime.ActivationObserver;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sums, per weight matrix of the blocks and per column, the squares of the activations that
 * column multiplies, and counts the rows (tokens) seen, as llama-imatrix does (it also leaves
 * out output.weight and the embedding). Sums are kept in double so long runs lose nothing.
 */
public final class ImatrixCollector implements ActivationObserver {
    private final Map<String, double[]> sums = new LinkedHashMap<>();
    private final Map<String, Long> counts = new LinkedHashMap<>();

    @Override
    public void linearInput(String weight, float[] x, int n, int cols) {
        if (!weight.startsWith("blk.")) return;
        double[] s = sums.computeIfAbsent(weight, k -> new double[cols]);
        for (int r = 0; r < n; r++) {
            int o = r * cols;
            for (int c = 0; c < cols; c++) s[c] += (double) x[o + c] * x[o + c];
        }
        counts.merge(weight, (long) n, Long::sum);
    }

    /** The statistics gathered so far. */
    public Imatrix result(String dataset, int chunks, int chunkSize) {
        Map<String, Imatrix.Entry> e = new LinkedHashMap<>();
        for (var s : sums.entrySet()) {
            float[] f = new float[s.getValue().length];
            for (int i = 0; i < f.length; i++) f[i] = (float) s.getValue()[i];
            e.put(s.getKey(), new Imatrix.Entry(f, counts.get(s.getKey())));
        }
        return new Imatrix(e, dataset, chunks, chunkSize);
    }
}
