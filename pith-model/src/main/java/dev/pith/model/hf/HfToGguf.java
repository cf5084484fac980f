package dev.pith.model.hf;

import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.gguf.GgufValue;
import dev.pith.model.gguf.GgufWriter;
import dev.pith.model.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a model loaded from a Hugging Face folder as GGUF the way llama.cpp's converter lays it
 * out: the architecture keys from its configuration, rope_freqs.weight first when it has Llama 3
 * rope scaling, then its tensors unchanged (already in GGUF names and rope layout). Other
 * metadata the model carries is kept, after the tokenizer's tokenizer.ggml.* keys.
 */
public final class HfToGguf {
    private HfToGguf() {}

    public static void write(Model model, Path gguf) {
        ModelConfig c = model.config();
        GgufWriter w = new GgufWriter();
        w.putAll(GgufConfig.toGguf(c));
        if (model.source() != null) w.put("general.name", GgufValue.string(stem(model.source())));
        // The tokenizer's own keys first: llama.cpp cannot load a GGUF without them.
        if (model.tokenizer() != null) w.putAll(Tokenizers.toGgufMetadata(model.tokenizer()));
        for (Map.Entry<String, GgufValue> e : model.metadata().entrySet()) w.metadata().putIfAbsent(e.getKey(), e.getValue());
        if (c.ropeScaling() != null && !model.has(Llama3Rope.TENSOR)) w.add(Llama3Rope.tensor(c));
        for (Tensor t : model.tensors().values()) w.add(t);
        w.write(gguf);
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
