package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.core.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * How one weight matrix becomes the bytes of its target type: round to nearest, importance
 * weighted, GPTQ... {@code dst} holds {@code rows * target.bytesFor(cols)} bytes, rows in order.
 */
@FunctionalInterface
public interface MatrixEncoder {
    void encode(Tensor src, DType target, MemorySegment dst);

    /** The order in which a model's tensors are best encoded (the file keeps its own order): as given, unless the encoder learns block by block. */
    /**
     * Whether each row is encoded on its own (round to nearest, importance weighted), so a matrix may
     * be handed over a few rows at a time as its bytes arrive from disk; GPTQ needs whole matrices.
     */
    default boolean rowWise() {
        return false;
    }

    default java.util.List<Tensor> order(java.util.List<Tensor> tensors) {
        return tensors;
    }
}
