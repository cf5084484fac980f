package dev.pith.compress.imatrix;

import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An importance matrix: for each weight matrix, the per-column sums of squared input activations
 * and the number of rows (tokens) they add up. The quantizers use the means.
 *
 * @param entries   by weight tensor name
 * @param dataset   the calibration file's name
 * @param chunks    chunks processed
 * @param chunkSize tokens per chunk
 */
public record Imatrix(Map<String, Entry> entries, String dataset, int chunks, int chunkSize) {
    /** Sums of squares per column and the rows counted. */
    public record Entry(float[] sums, long count) {}

    /**
     * Mean squared activation per column, as llama-quantize hands it to the quantizers (a matrix
     * that never saw a token gets ones).
     */
    public Map<String, float[]> means() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (var e : entries.entrySet()) {
            float[] s = e.getValue().sums();
            float[] m = new float[s.length];
            float count = e.getValue().count();
            for (int i = 0; i < m.length; i++) m[i] = count > 0 ? s[i] / count : 1f;
            out.put(e.getKey(), m);
        }
        return out;
    }

    /** Every entry must name a matrix of {@code m} with as many columns as it has values; otherwise it was made for another model. */
    public void checkFits(Model m, Path file) {
        for (var e : entries.entrySet()) {
            Tensor t = m.optional(e.getKey());
            if (t == null)
                throw new PithException(file + ": the importance matrix has an entry for " + e.getKey() + ", which " + m.source() + " does not have; it was made for another model.");
            if (t.cols() != e.getValue().sums().length)
                throw new PithException(file + ": the importance matrix has " + e.getValue().sums().length + " values for " + e.getKey()
                        + ", which has " + t.cols() + " columns in " + m.source() + "; it was made for another model.");
        }
    }
}
