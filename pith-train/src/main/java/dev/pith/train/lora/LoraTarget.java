package dev.pith.train.lora;

import dev.pith.core.PithException;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The seven projections of a Llama block LoRA can adapt, with their names in the three worlds that
 * meet here: the short name users type (--targets q,k,v,o,gate,up,down), the GGUF tensor in
 * {@code blk.N.} (Pith's own names and llama.cpp's), and the Hugging Face module under
 * {@code model.layers.N.} (what PEFT's target_modules and tensor names use).
 */
public enum LoraTarget {
    Q("q", "attn_q", "self_attn.q_proj"),
    K("k", "attn_k", "self_attn.k_proj"),
    V("v", "attn_v", "self_attn.v_proj"),
    O("o", "attn_output", "self_attn.o_proj"),
    GATE("gate", "ffn_gate", "mlp.gate_proj"),
    UP("up", "ffn_up", "mlp.up_proj"),
    DOWN("down", "ffn_down", "mlp.down_proj");

    public final String shortName, gguf, hf;

    LoraTarget(String shortName, String gguf, String hf) {
        this.shortName = shortName;
        this.gguf = gguf;
        this.hf = hf;
    }

    /** The GGUF weight name in layer {@code layer}. */
    public String weight(int layer) { return "blk." + layer + "." + gguf + ".weight"; }

    /** The PEFT module path in layer {@code layer} (without .lora_A.weight). */
    public String peftModule(int layer) { return "base_model.model.model.layers." + layer + "." + hf; }

    /** The HF module's last name (q_proj, …), as PEFT's target_modules lists it. */
    public String hfModule() { return hf.substring(hf.indexOf('.') + 1); }

    /** q and k rows are reordered between HF's rotate-half RoPE and GGUF's adjacent pairs. */
    public boolean ropePermuted() { return this == Q || this == K; }

    /** Parses "q,k,v,o" (also HF module names, "all"); an unknown name is one sentence naming it. */
    public static Set<LoraTarget> parse(String list) {
        Set<LoraTarget> out = EnumSet.noneOf(LoraTarget.class);
        for (String raw : list.split(",")) {
            String s = raw.trim().toLowerCase(Locale.ROOT);
            if (s.isEmpty()) continue;
            if (s.equals("all")) return EnumSet.allOf(LoraTarget.class);
            LoraTarget found = null;
            for (LoraTarget t : values()) if (t.shortName.equals(s) || t.hfModule().equals(s) || t.gguf.equals(s)) found = t;
            if (found == null)
                throw new PithException("--targets: '" + raw.trim() + "' matches no projection; use q, k, v, o, gate, up, down (or all).");
            out.add(found);
        }
        if (out.isEmpty()) throw new PithException("--targets names no projection; use q, k, v, o, gate, up, down (or all).");
        return out;
    }

    public static LoraTarget fromHfModule(String module) {
        for (LoraTarget t : values()) if (t.hfModule().equals(module)) return t;
        return null;
    }

    public static LoraTarget fromGguf(String gguf) {
        for (LoraTarget t : values()) if (t.gguf.equals(gguf)) return t;
        return null;
    }
}
