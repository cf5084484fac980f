package dev.pith.cli;

import dev.pith.model.ModelConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Shapes of real models for {@code pith init}, copied from their Hugging Face config.json files, and
 * the shared tokenizer closest to each one's own. Speed depends on the shape, not on the weights,
 * so a random model of the right shape is a fair benchmark model.
 */
final class ModelPresets {
    private ModelPresets() {}

    /**
     * @param config    the model's shape; its vocabulary size is replaced by the tokenizer's
     * @param tokenizer folder under shared/data/tokenizers/hf/ holding the tokenizer.json to embed
     * @param note      what differs from the real model, for the user
     */
    record Preset(ModelConfig config, String tokenizer, String note) {}

    static final Map<String, Preset> ALL = new LinkedHashMap<>();

    static {
        // HuggingFaceTB/SmolLM2-135M: 576 wide, 30 layers, 9 heads (3 KV), 1536 FFN, tied, theta 1e5.
        ALL.put("smollm2-135m", new Preset(
                llama(576, 30, 9, 3, 64, 1536, 49152, 8192, 1e-5f, 100000f, null, true), "gpt2",
                "SmolLM2's own 49152-token tokenizer is not in shared/; GPT-2's (50257 tokens) is used"));
        // HuggingFaceTB/SmolLM2-360M: 960 wide, 32 layers, 15 heads (5 KV), 2560 FFN, tied.
        ALL.put("smollm2-360m", new Preset(
                llama(960, 32, 15, 5, 64, 2560, 49152, 8192, 1e-5f, 100000f, null, true), "gpt2",
                "SmolLM2's own 49152-token tokenizer is not in shared/; GPT-2's (50257 tokens) is used"));
        // Qwen/Qwen2.5-0.5B: 896 wide, 24 layers, 14 heads (2 KV), 4864 FFN, q/k/v biases, tied, theta 1e6.
        ALL.put("qwen2.5-0.5b", new Preset(
                new ModelConfig("qwen2", 896, 24, 14, 2, 64, 4864, 151936, 32768, 1e-6f, 1000000f, 64, true, null, true),
                "qwen3", "Qwen3's tokenizer (the same byte-level BPE as Qwen2.5 plus a few added tokens) is used; "
                        + "the vocabulary is its token count, not Qwen2.5's padded 151936"));
        // meta-llama/Llama-3.2-1B: 2048 wide, 16 layers, 32 heads (8 KV), 8192 FFN, tied, theta 5e5, llama3 rope scaling.
        ALL.put("llama-3.2-1b", new Preset(
                llama(2048, 16, 32, 8, 64, 8192, 128256, 131072, 1e-5f, 500000f,
                        new ModelConfig.RopeScaling(32f, 1f, 4f, 8192), true), "llama-3", ""));
        // TinyLlama/TinyLlama-1.1B-Chat-v1.0: 2048 wide, 22 layers, 32 heads (4 KV), 5632 FFN, untied.
        ALL.put("tinyllama-1.1b", new Preset(
                llama(2048, 22, 32, 4, 64, 5632, 32000, 2048, 1e-5f, 10000f, null, false), "tinyllama-1.1b-chat-v1.0", ""));
    }

    private static ModelConfig llama(int dim, int layers, int heads, int kvHeads, int headDim, int ffn, int vocab, int ctx,
                                     float eps, float theta, ModelConfig.RopeScaling scaling, boolean tied) {
        return new ModelConfig("llama", dim, layers, heads, kvHeads, headDim, ffn, vocab, ctx, eps, theta, headDim, false, scaling, tied);
    }
}
