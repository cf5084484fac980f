package dev.pith.model.hf;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face ⇄ GGUF tensor names for Llama-family decoders, as llama.cpp's converter maps them
 * (gguf-py's tensor_mapping): model.layers.N.self_attn.q_proj.weight ⇄ blk.N.attn_q.weight, ...
 */
public final class HfTensorNames {
    private HfTensorNames() {}

    private static final Map<String, String> GLOBAL = Map.of(
            "model.embed_tokens.weight", "token_embd.weight",
            "model.norm.weight", "output_norm.weight",
            "lm_head.weight", "output.weight");

    private static final Map<String, String> LAYER = Map.ofEntries(
            Map.entry("input_layernorm.weight", "attn_norm.weight"),
            Map.entry("self_attn.q_proj.weight", "attn_q.weight"),
            Map.entry("self_attn.q_proj.bias", "attn_q.bias"),
            Map.entry("self_attn.k_proj.weight", "attn_k.weight"),
            Map.entry("self_attn.k_proj.bias", "attn_k.bias"),
            Map.entry("self_attn.v_proj.weight", "attn_v.weight"),
            Map.entry("self_attn.v_proj.bias", "attn_v.bias"),
            Map.entry("self_attn.o_proj.weight", "attn_output.weight"),
            Map.entry("self_attn.o_proj.bias", "attn_output.bias"),
            Map.entry("post_attention_layernorm.weight", "ffn_norm.weight"),
            Map.entry("mlp.gate_proj.weight", "ffn_gate.weight"),
            Map.entry("mlp.up_proj.weight", "ffn_up.weight"),
            Map.entry("mlp.down_proj.weight", "ffn_down.weight"));

    private static final Map<String, String> GLOBAL_BACK = invert(GLOBAL);
    private static final Map<String, String> LAYER_BACK = invert(LAYER);
    private static final Pattern HF_LAYER = Pattern.compile("model\\.layers\\.(0|[1-9][0-9]{0,5})\\.(.+)");
    private static final Pattern GGUF_LAYER = Pattern.compile("blk\\.(0|[1-9][0-9]{0,5})\\.(.+)");

    /** The GGUF name of a Hugging Face tensor, or null when it has none. */
    public static String toGguf(String hf) {
        String g = GLOBAL.get(hf);
        if (g != null) return g;
        Matcher m = HF_LAYER.matcher(hf);
        if (!m.matches()) return null;
        String suffix = LAYER.get(m.group(2));
        return suffix == null ? null : "blk." + m.group(1) + "." + suffix;
    }

    /** The Hugging Face name of a GGUF tensor, or null when it has none. */
    public static String toHf(String gguf) {
        String h = GLOBAL_BACK.get(gguf);
        if (h != null) return h;
        Matcher m = GGUF_LAYER.matcher(gguf);
        if (!m.matches()) return null;
        String suffix = LAYER_BACK.get(m.group(2));
        return suffix == null ? null : "model.layers." + m.group(1) + "." + suffix;
    }

    /** Buffers older checkpoints saved although transformers recomputes them (rotary inverse frequencies). */
    static boolean isRecomputedBuffer(String hf) {
        return hf.endsWith(".rotary_emb.inv_freq");
    }

    private static Map<String, String> invert(Map<String, String> m) {
        Map<String, String> out = new java.util.HashMap<>();
        m.forEach((k, v) -> out.put(v, k));
        return Map.copyOf(out);
    }
}
