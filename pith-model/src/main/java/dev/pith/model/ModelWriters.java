package dev.pith.model;

import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.hf.HfToGguf;
import dev.pith.model.hf.HfWriter;
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
            case HF -> HfWriter.write(model, out);
        }
    }

    /**
     * GGUF v3 with the architecture keys, the tokenizer and every tensor. Metadata of a GGUF source is
     * kept as it was, so a GGUF → GGUF conversion changes nothing it need not; other sources get
     * llama.cpp's keys from their configuration and tokenizer.
     */
    public static void writeGguf(Model model, Path out) {
        Map<String, GgufValue> src = model.metadata();
        if (!src.containsKey("general.architecture")) {
            if (model.tokenizer() == null)
                throw new PithException(model.source() + " has no tokenizer; llama.cpp cannot load a GGUF without one.");
            HfToGguf.write(model, out);
            return;
        }
        GgufWriter w = new GgufWriter();
        w.putAll(src);
        for (Tensor t : model.tensors().values()) w.add(t);
        w.write(out);
    }
}
