package dev.pith.model;

import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.gguf.GgufModelConfig;
import dev.pith.model.gguf.GgufValue;
import dev.pith.model.gguf.GgufWriter;

import java.nio.file.Path;
import java.util.Map;

/** Writes a {@link Model} as GGUF (loadable by llama.cpp) or as a Hugging Face folder (loadable by transformers). */
public final class ModelWriters {
    private ModelWriters() {}

    public enum Target { GGUF, HF }

    /** GGUF when the name ends in .gguf, else a Hugging Face folder. */
    public static Target targetFor(Path out) {
        return out.getFileName().toString().toLowerCase().endsWith(".gguf") ? Target.GGUF : Target.HF;
    }

    public static void write(Model model, Path out) {
        switch (targetFor(out)) {
            case GGUF -> writeGguf(model, out);
            case HF -> throw new PithException(out + ": writing Hugging Face folders is not available yet.");
        }
    }

    /**
     * GGUF v3 with the architecture keys, the tokenizer and every tensor. Metadata of a GGUF source is
     * kept as it was, so a GGUF → GGUF conversion changes nothing it need not.
     */
    public static void writeGguf(Model model, Path out) {
        GgufWriter w = new GgufWriter();
        Map<String, GgufValue> src = model.metadata();
        if (!src.isEmpty() && src.containsKey("general.architecture")) {
            w.putAll(src);
        } else {
            w.putAll(GgufModelConfig.toGguf(model.config()));
            w.put("general.name", GgufValue.string(model.source() == null ? "pith" : stem(model.source())));
            if (model.tokenizer() == null)
                throw new PithException(model.source() + " has no tokenizer; llama.cpp cannot load a GGUF without one.");
            throw new PithException(model.source() + ": writing its tokenizer into GGUF is not available yet.");
        }
        for (Tensor t : model.tensors().values()) w.add(t);
        w.write(out);
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
