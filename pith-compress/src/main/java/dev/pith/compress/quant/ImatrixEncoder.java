package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.core.quant.RowEncoder;
import dev.pith.core.quant.WeightedQuantizer;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;

/**
 * Importance-weighted quantization (ggml's quantize_row_*_impl, as llama-quantize --imatrix):
 * a tensor with an importance vector (one value per column, the mean squared activation it
 * multiplies) gets weighted rounding; a tensor without one is rounded to nearest, as llama.cpp
 * does. A vector of the wrong length means the imatrix belongs to another model: an error,
 * except for token_embd, which llama.cpp also lets through (it never has activations).
 */
public final class ImatrixEncoder implements MatrixEncoder {
    private final Map<String, float[]> importance;
    private final Path file;

    public ImatrixEncoder(Map<String, float[]> importance, Path file) {
        this.importance = importance;
        this.file = file;
    }

    /** The importance vectors by tensor name. */
    public Map<String, float[]> importance() { return importance; }

    @Override
    public boolean rowWise() {
        return true;
    }

    @Override
    public void encode(Tensor src, DType target, MemorySegment dst) {
        float[] qw = importance.get(src.name());
        int cols = src.cols();
        if (qw != null && qw.length != cols) {
            if (src.name().equals("token_embd.weight")) qw = null;
            else throw new PithException(file + ": the importance matrix has " + qw.length + " values for " + src.name()
                    + ", which has " + cols + " columns; it was made for another model.");
        }
        if (qw == null) {
            new RtnEncoder().encode(src, target, dst);
            return;
        }
        float[] w = qw;
        long rowBytes = target.bytesFor(cols);
        Parallel.forRange(src.rows(), 16, (from, to) -> {
            float[] row = new float[cols];
            for (int r = from; r < to; r++) {
                Dequantizer.getRow(src, r, row, 0);
                if (!target.isQuantized()) {
                    RowEncoder.encode(target, row, 0, cols, dst, r * rowBytes);
                    continue;
                }
                byte[] bytes = WeightedQuantizer.quantizeRow(target, row, cols, w);
                MemorySegment.copy(MemorySegment.ofArray(bytes), 0, dst, r * rowBytes, bytes.length);
            }
        });
    }
}
