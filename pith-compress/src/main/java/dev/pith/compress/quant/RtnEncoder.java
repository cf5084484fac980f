package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.core.quant.RowEncoder;

import java.lang.foreign.MemorySegment;

/** Round to nearest (ggml's quantize_row_*_ref, what llama-quantize does without an imatrix), rows in parallel. */
public final class RtnEncoder implements MatrixEncoder {
    @Override
    public boolean rowWise() {
        return true;
    }

    @Override
    public void encode(Tensor src, DType target, MemorySegment dst) {
        int cols = src.cols();
        long rowBytes = target.bytesFor(cols);
        Parallel.forRange(src.rows(), 16, (from, to) -> {
            float[] row = new float[cols];
            for (int r = from; r < to; r++) {
                Dequantizer.getRow(src, r, row, 0);
                RowEncoder.encode(target, row, 0, cols, dst, r * rowBytes);
            }
        });
    }
}
