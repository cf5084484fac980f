package dev.pith.model.runtime;

import dev.pith.core.DType;
import dev.pith.model.sparse.SparseMode;

/**
 * How a {@link Transformer} runs a model.
 *
 * @param kvType        F32 (exact) or F16 (half the memory; rounds keys, values and the attention
 *                      inputs to half precision exactly where llama.cpp's default F16 cache does)
 * @param contextLength tokens the KV cache holds; 0 means the model's trained context length
 * @param batchSize     most tokens pushed through the layers at once when processing a prompt
 * @param reference     run the plain scalar kernels (matrix products, norms, attention) instead of
 *                      the vectorised ones: slow, for checking that the fast path changes nothing
 * @param sparse        AUTO: hold pruned F32/F16 block matrices in a sparse form and multiply them
 *                      with the sparse kernels (see {@link dev.pith.model.sparse.Sparsify}); OFF: dense
 */
public record RuntimeOptions(DType kvType, int contextLength, int batchSize, boolean reference, SparseMode sparse) {
    public RuntimeOptions(DType kvType, int contextLength, int batchSize) { this(kvType, contextLength, batchSize, false); }

    public RuntimeOptions(DType kvType, int contextLength, int batchSize, boolean reference) {
        this(kvType, contextLength, batchSize, reference, SparseMode.OFF);
    }

    public RuntimeOptions {
        if (kvType != DType.F32 && kvType != DType.F16)
            throw new IllegalArgumentException("KV cache type must be f32 or f16, not " + kvType);
        if (contextLength < 0) throw new IllegalArgumentException("context length must not be negative");
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive");
        if (sparse == null) throw new IllegalArgumentException("sparse mode must be given");
    }

    public static RuntimeOptions defaults() { return new RuntimeOptions(DType.F32, 0, 512); }

    public RuntimeOptions withKvType(DType t) { return new RuntimeOptions(t, contextLength, batchSize, reference, sparse); }

    public RuntimeOptions withContextLength(int n) { return new RuntimeOptions(kvType, n, batchSize, reference, sparse); }

    public RuntimeOptions withBatchSize(int n) { return new RuntimeOptions(kvType, contextLength, n, reference, sparse); }

    public RuntimeOptions withReference(boolean r) { return new RuntimeOptions(kvType, contextLength, batchSize, r, sparse); }

    public RuntimeOptions withSparse(SparseMode s) { return new RuntimeOptions(kvType, contextLength, batchSize, reference, s); }
}
