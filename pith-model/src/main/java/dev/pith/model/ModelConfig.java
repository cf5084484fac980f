package dev.pith.model;

/**
 * Architecture hyper-parameters of a Llama-family decoder. Variants (GQA, tied embeddings, Qwen2's
 * q/k/v biases, NeoX rope, Llama-3 rope scaling) are fields, not subclasses.
 *
 * @param architecture   GGUF architecture name: "llama" (Llama, Mistral, SmolLM, TinyLlama) or "qwen2"
 * @param dim            embedding width (hidden_size)
 * @param layers         number of transformer blocks
 * @param heads          query heads
 * @param kvHeads        key/value heads (grouped-query attention when fewer than heads)
 * @param headDim        width of one head (usually dim / heads)
 * @param ffnDim         SwiGLU hidden width (intermediate_size)
 * @param vocabSize      rows of the embedding
 * @param contextLength  trained context length
 * @param rmsEps         RMSNorm epsilon
 * @param ropeTheta      RoPE base frequency
 * @param ropeDim        number of rotated dimensions per head (usually headDim)
 * @param ropeNeox       true: rotate pairs (i, i + ropeDim/2) as NeoX/HF do; false: adjacent pairs (2i, 2i+1)
 * @param ropeScaling    Llama-3 style frequency scaling, or null
 * @param tiedEmbeddings the output head reuses token_embd.weight
 * @param ffnDims        each block's SwiGLU width when they differ (per-layer width pruning), else
 *                       null; ffnDim is then the widest, which sizes the runtime's buffers
 */
public record ModelConfig(
        String architecture,
        int dim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int ffnDim,
        int vocabSize,
        int contextLength,
        float rmsEps,
        float ropeTheta,
        int ropeDim,
        boolean ropeNeox,
        RopeScaling ropeScaling,
        boolean tiedEmbeddings,
        java.util.List<Integer> ffnDims) {

    public ModelConfig(String architecture, int dim, int layers, int heads, int kvHeads, int headDim, int ffnDim, int vocabSize,
                       int contextLength, float rmsEps, float ropeTheta, int ropeDim, boolean ropeNeox, RopeScaling ropeScaling,
                       boolean tiedEmbeddings) {
        this(architecture, dim, layers, heads, kvHeads, headDim, ffnDim, vocabSize, contextLength, rmsEps, ropeTheta, ropeDim,
                ropeNeox, ropeScaling, tiedEmbeddings, null);
    }

    public ModelConfig {
        if (ffnDims != null) {
            ffnDims = java.util.List.copyOf(ffnDims);
            if (ffnDims.size() != layers)
                throw new IllegalArgumentException(ffnDims.size() + " per-layer MLP widths for " + layers + " layers");
            if (ffnDim != ffnDims.stream().mapToInt(Integer::intValue).max().orElse(0))
                throw new IllegalArgumentException("ffnDim " + ffnDim + " must be the widest of the per-layer widths " + ffnDims);
        }
    }

    /** SwiGLU width of block {@code layer}. */
    public int ffnDim(int layer) { return ffnDims == null ? ffnDim : ffnDims.get(layer); }

    /** This configuration with one MLP width per block (null or all equal: uniform). */
    public ModelConfig withFfnDims(java.util.List<Integer> widths) {
        boolean uniform = widths == null || widths.stream().distinct().count() == 1;
        int max = widths == null ? ffnDim : widths.stream().mapToInt(Integer::intValue).max().orElse(0);
        return new ModelConfig(architecture, dim, layers, heads, kvHeads, headDim, max, vocabSize, contextLength,
                rmsEps, ropeTheta, ropeDim, ropeNeox, ropeScaling, tiedEmbeddings, uniform ? null : widths);
    }

    /** Llama 3.x "llama3" rope scaling (HF config.json rope_scaling). */
    public record RopeScaling(float factor, float lowFreqFactor, float highFreqFactor, int originalContextLength) {}

    public int kvDim() { return kvHeads * headDim; }

    public int qDim() { return heads * headDim; }

    public ModelConfig withTiedEmbeddings(boolean tied) {
        return new ModelConfig(architecture, dim, layers, heads, kvHeads, headDim, ffnDim, vocabSize, contextLength,
                rmsEps, ropeTheta, ropeDim, ropeNeox, ropeScaling, tied, ffnDims);
    }

    public ModelConfig withContextLength(int ctx) {
        return new ModelConfig(architecture, dim, layers, heads, kvHeads, headDim, ffnDim, vocabSize, ctx,
                rmsEps, ropeTheta, ropeDim, ropeNeox, ropeScaling, tiedEmbeddings, ffnDims);
    }

    // The editors below (pruning, presets, rope detection) change one aspect and must carry every other
    // field, per-layer MLP widths included: rebuilding a config field by field is how widths got lost.

    /** Only the blocks {@code kept} (old indices, in their new order); per-layer widths follow their blocks. */
    public ModelConfig withBlocks(java.util.List<Integer> kept) {
        java.util.List<Integer> widths = ffnDims == null ? null : kept.stream().map(ffnDims::get).toList();
        ModelConfig fewer = new ModelConfig(architecture, dim, kept.size(), heads, kvHeads, headDim, ffnDim, vocabSize,
                contextLength, rmsEps, ropeTheta, ropeDim, ropeNeox, ropeScaling, tiedEmbeddings, null);
        return fewer.withFfnDims(widths);
    }

    /** A narrower (or wider) residual stream. */
    public ModelConfig withDim(int width) {
        return new ModelConfig(architecture, width, layers, heads, kvHeads, headDim, ffnDim, vocabSize, contextLength,
                rmsEps, ropeTheta, ropeDim, ropeNeox, ropeScaling, tiedEmbeddings, ffnDims);
    }

    /** Other attention head counts and head width. */
    public ModelConfig withHeads(int queryHeads, int keyValueHeads, int headWidth) {
        return new ModelConfig(architecture, dim, layers, queryHeads, keyValueHeads, headWidth, ffnDim, vocabSize, contextLength,
                rmsEps, ropeTheta, ropeDim, ropeNeox, ropeScaling, tiedEmbeddings, ffnDims);
    }

    /** One embedding row per token of another vocabulary. */
    public ModelConfig withVocabSize(int vocab) {
        return new ModelConfig(architecture, dim, layers, heads, kvHeads, headDim, ffnDim, vocab, contextLength,
                rmsEps, ropeTheta, ropeDim, ropeNeox, ropeScaling, tiedEmbeddings, ffnDims);
    }

    /** Another rope frequency scaling (null: none). */
    public ModelConfig withRopeScaling(RopeScaling scaling) {
        return new ModelConfig(architecture, dim, layers, heads, kvHeads, headDim, ffnDim, vocabSize, contextLength,
                rmsEps, ropeTheta, ropeDim, ropeNeox, scaling, tiedEmbeddings, ffnDims);
    }
}
