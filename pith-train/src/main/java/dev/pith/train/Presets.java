package dev.pith.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pith.core.PithException;
import dev.pith.model.ModelConfig;

import java.util.Map;

/**
 * Shapes for fresh models: named presets, or a JSON object with the fields dim, layers, heads,
 * kv_heads (default heads), ffn_dim (default ≈ 8/3·dim rounded up to 32), context, rope_theta,
 * rms_eps, tied. The vocabulary size always comes from the tokenizer.
 */
public final class Presets {
    private Presets() {}

    /** name → {dim, layers, heads, kvHeads, ffnDim, context}. */
    private static final Map<String, int[]> PRESETS = Map.of(
            "tiny", new int[] {64, 2, 4, 4, 192, 128},
            // nanoGPT's shakespeare_char CPU shape (4 layers, 4 heads, 128 wide, block 64); SwiGLU
            // width 352 ≈ the parameter count of its 4×128 GELU MLP, rounded to the GEMM tile
            "nanogpt-char", new int[] {128, 4, 4, 4, 352, 64},
            "small", new int[] {384, 6, 6, 6, 1024, 256},
            "demo", new int[] {128, 4, 4, 2, 352, 128});

    public static java.util.Set<String> names() { return new java.util.TreeSet<>(PRESETS.keySet()); }

    public static ModelConfig preset(String name, int vocab) {
        int[] p = PRESETS.get(name);
        if (p == null) throw new PithException("there is no model preset '" + name + "'; presets: " + names() + ".");
        return config(p[0], p[1], p[2], p[3], p[4], vocab, p[5], 10000f, 1e-5f, true);
    }

    public static ModelConfig fromJson(JsonNode n, int vocab, String where) {
        if (!n.isObject()) throw new PithException(where + " must be a JSON object with dim, layers and heads.");
        for (String k : new String[] {"dim", "layers", "heads"})
            if (!n.path(k).canConvertToInt()) throw new PithException(where + " has no integer '" + k + "'.");
        int dim = n.get("dim").asInt(), heads = n.get("heads").asInt();
        int ffn = n.path("ffn_dim").asInt((int) Math.ceil(8.0 * dim / 3 / 32) * 32);
        return config(dim, n.get("layers").asInt(), heads, n.path("kv_heads").asInt(heads), ffn, vocab,
                n.path("context").asInt(256), (float) n.path("rope_theta").asDouble(10000), (float) n.path("rms_eps").asDouble(1e-5),
                n.path("tied").asBoolean(true));
    }

    static ModelConfig config(int dim, int layers, int heads, int kvHeads, int ffn, int vocab, int ctx, float theta, float eps, boolean tied) {
        if (heads <= 0 || dim % heads != 0)
            throw new PithException("the width (" + dim + ") must be divisible by the number of heads (" + heads + ").");
        int hd = dim / heads;
        ModelConfig c = new ModelConfig("llama", dim, layers, heads, kvHeads, hd, ffn, vocab, ctx, eps, theta, hd, false, null, tied);
        LlamaTrainModel.validate(c);
        return c;
    }
}
