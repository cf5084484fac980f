package dev.pith.model.hf;

import dev.pith.model.ModelConfig;
import dev.pith.model.gguf.GgufFile;
import dev.pith.model.gguf.GgufModelConfig;
import dev.pith.model.gguf.GgufValue;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GGUF metadata ⇄ {@link ModelConfig} for models that pass through Hugging Face form. The
 * architecture keys and llama.cpp's defaults are {@link GgufModelConfig}'s; this adds what the HF
 * round trip needs on top: {arch}.vocab_size, as llama.cpp's converter writes it, and Llama 3 rope
 * scaling, which GGUF carries only as the rope_freqs.weight tensor (see {@link Llama3Rope}).
 */
public final class GgufConfig {
    private GgufConfig() {}

    public static ModelConfig fromGguf(GgufFile f) {
        ModelConfig c = GgufModelConfig.fromGguf(f);
        if (c.ropeScaling() != null) return c;
        var s = Llama3Rope.recover(c, f.metadata(), f.tensor(Llama3Rope.TENSOR));
        return s == null ? c : Llama3Rope.with(c, s);
    }

    public static Map<String, GgufValue> toGguf(ModelConfig c) {
        Map<String, GgufValue> m = new LinkedHashMap<>(GgufModelConfig.toGguf(c));
        m.put(c.architecture() + ".vocab_size", GgufValue.u32(c.vocabSize()));
        if (c.ropeScaling() != null) m.putAll(Llama3Rope.metadata(c.ropeScaling()));
        return m;
    }
}
