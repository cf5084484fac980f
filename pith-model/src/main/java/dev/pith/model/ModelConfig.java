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
        boolean tiedEmbeddings) {

    /** Llama 3.x "llama3" rope scaling (HF config.json rope_scaling). */
    public record RopeScaling(float factor, float lowFreqFactor, float highFreqFactor, int originalContextLength) {}

    public int kvDim() { return kvHeads * headDim; }

    public int qDim() { return heads * headDim; }

    public ModelConfig withTiedEmbeddings(boolean tied) {
        return new ModelConfig(architecture, dim, layers, heads, kvHeads, headDim, ffnDim, vocabSize, contextLength,
                rmsEps, ropeTheta, ropeDim, ropeNeox, ropeScaling, tied);
    }

    public ModelConfig withContextLength(int ctx) {
        return new ModelConfig(architecture, dim, layers, heads, kvHeads, headDim, ffnDim, vocabSize, ctx,
                rmsEps, ropeTheta, ropeDim, ropeNeox, ropeScaling, tiedEmbeddings);
    }
}
