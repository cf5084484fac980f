package dev.pith.model.runtime;

/**
 * Sees the activations of a forward pass, for the methods that learn from calibration data: the
 * input of every matrix product (importance matrices, GPTQ and SparseGPT Hessians, Wanda's column
 * norms, AWQ's channel scales, neuron and head importance) and the hidden state between blocks
 * (block importance for depth pruning). Called on the caller's thread between the parallel loops,
 * so an observer needs no locking; the arrays are the runtime's own buffers, valid only during the
 * call and possibly longer than the {@code n × width} floats that hold data.
 */
public interface ActivationObserver {
    /**
     * The input of the matrix product with weight tensor {@code weight} (its GGUF name, e.g.
     * {@code blk.3.ffn_down.weight}; {@code token_embd.weight} for a tied output head): {@code n}
     * rows of {@code cols} floats, row-major.
     */
    default void linearInput(String weight, float[] x, int n, int cols) {}

    /**
     * The hidden state entering block {@code layer} ({@code layer == layers}: leaving the last
     * block, before the final norm): {@code n} rows of {@code dim} floats.
     */
    default void hiddenState(int layer, float[] x, int n, int dim) {}
}
