package dev.pith.cli;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.ModelWriters;
import dev.pith.model.hf.HfConfig;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.model.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "init",
        description = {"Write a randomly initialised model of a real architecture's shape as GGUF (loadable by llama.cpp).",
                "Weights are N(0, std²), norms 1; the tokenizer is a real one, so the file runs anywhere a GGUF does.",
                "Presets: smollm2-135m, smollm2-360m, qwen2.5-0.5b, llama-3.2-1b, tinyllama-1.1b; or --config config.json."})
final class InitCommand implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--preset", paramLabel = "NAME", description = "Architecture preset (see above).")
    String preset;

    @Option(names = "--config", paramLabel = "PATH", description = "A Hugging Face config.json giving the shape instead of a preset.")
    Path config;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "tokenizer.json to embed (default: the preset's shared tokenizer, or tokenizer.json beside --config).")
    Path tokenizer;

    @Option(names = "--tokenizer-from", paramLabel = "MODEL",
            description = "Take the tokenizer from this model (GGUF, HF folder or llama2.c), e.g. a distillation teacher, so the two share a vocabulary.")
    Path tokenizerFrom;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--std", defaultValue = "0.02", description = "Standard deviation of the weights (default ${DEFAULT-VALUE}).")
    float std;

    @Option(names = "--type", defaultValue = "F32", paramLabel = "TYPE",
            description = "Weight type: F32, F16, BF16, Q8_0 or Q4_0 (round to nearest). Default: ${DEFAULT-VALUE}.")
    String type;

    @Option(names = {"-o", "--out"}, required = true, description = "Output GGUF file.")
    Path out;

    @Option(names = "--threads", paramLabel = "N", description = "Threads (default: all cores).")
    Integer threads;

    @Mixin OutputOptions output;

    @Override
    public void run() {
        long t0 = System.nanoTime();
        if (threads != null) Parallel.setThreads(threads);
        if ((preset == null) == (config == null)) throw new PithException("give exactly one of --preset NAME and --config config.json.");
        if (!out.getFileName().toString().toLowerCase().endsWith(".gguf"))
            throw new PithException(out + ": pith init writes GGUF; give an output name ending in .gguf.");
        DType t = DType.parse(type);
        if (tokenizer != null && tokenizerFrom != null) throw new PithException("give at most one of --tokenizer and --tokenizer-from.");
        ModelConfig shape;
        Path tok;
        String note = "";
        if (preset != null) {
            ModelPresets.Preset p = ModelPresets.ALL.get(preset.toLowerCase());
            if (p == null) throw new PithException("unknown preset '" + preset + "'; choose one of " + String.join(", ", ModelPresets.ALL.keySet()) + ".");
            shape = p.config();
            note = p.note();
            tok = tokenizer != null || tokenizerFrom != null ? tokenizer : sharedTokenizer(p.tokenizer());
        } else {
            shape = HfConfig.read(config).model();
            tok = tokenizer != null || tokenizerFrom != null ? tokenizer : config.toAbsolutePath().getParent().resolve("tokenizer.json");
            if (tok != null && !Files.exists(tok)) throw new PithException(tok + ": no such file; give the tokenizer.json to embed with --tokenizer.");
        }
        Tokenizer tk = tok != null ? Tokenizers.fromHfJson(tok) : tokenizerOf(tokenizerFrom);
        if (tok == null) tok = tokenizerFrom;
        ModelConfig c = withVocab(shape, tk.vocabSize());
        try (Model m = RandomModel.create(c, tk, t, seed, std, out)) {
            ModelWriters.writeGguf(withFileType(m, t), out);
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("out", out.toString());
        o.put("preset", preset);
        o.put("type", t.name());
        o.put("vocab_size", c.vocabSize());
        o.put("tokenizer", tok.toString());
        o.put("bytes", out.toFile().length());
        o.put("seconds", (System.nanoTime() - t0) / 1e9);
        if (!note.isEmpty()) o.put("note", note);
        if (output.json) Json.print(spec.commandLine().getOut(), o);
        else {
            spec.commandLine().getOut().printf("wrote %s (%s, %,d bytes, vocabulary %d from %s)%n", out, t, out.toFile().length(), c.vocabSize(), tok);
            if (!note.isEmpty()) spec.commandLine().getErr().println("note: " + note + ".");
        }
    }

    private static Tokenizer tokenizerOf(Path model) {
        try (Model m = dev.pith.model.Models.load(model)) {
            if (m.tokenizer() == null) throw new PithException(model + " carries no tokenizer to share; give --tokenizer tokenizer.json.");
            return m.tokenizer();
        }
    }

    private static Model withFileType(Model m, DType t) {
        var md = new LinkedHashMap<>(m.metadata());
        md.put("general.file_type", dev.pith.model.gguf.GgufValue.u32(ModelRetyper.fileType(t)));
        return new Model(m.config(), m.tensors(), m.tokenizer(), md, m.source(), java.util.List.of());
    }

    private static Path sharedTokenizer(String folder) {
        String shared = System.getProperty("pith.shared");
        if (shared == null) throw new PithException("the preset's tokenizer lives in the shared data folder, which is unknown here; give --tokenizer tokenizer.json.");
        Path p = Path.of(shared, "data", "tokenizers", "hf", folder, "tokenizer.json");
        if (!Files.exists(p)) throw new PithException(p + ": no such file; give the tokenizer.json to embed with --tokenizer.");
        return p;
    }

    /** The same shape with the tokenizer's vocabulary size: llama.cpp needs the embedding to have one row per token. */
    static ModelConfig withVocab(ModelConfig c, int vocab) {
        return c.withVocabSize(vocab);
    }
}
