package dev.pith.model;

import dev.pith.core.PithException;
import dev.pith.model.gguf.GgufFile;
import dev.pith.model.hf.GgufConfig;
import dev.pith.model.hf.HfLoader;
import dev.pith.model.llama2c.Llama2cCheckpoint;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.model.tokenizer.Tokenizers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Opens a model in whichever format the path holds: a GGUF file, a llama2.c checkpoint (with its
 * tokenizer.bin), or a Hugging Face folder (config.json + safetensors + tokenizer.json).
 */
public final class Models {
    private Models() {}

    /** The formats Pith reads, told apart by content, not by file name. */
    public enum Format { GGUF, LLAMA2C, HF }

    public static Model load(Path path) { return load(path, null); }

    /**
     * Loads the model at {@code path}; {@code tokenizer} names a separate tokenizer file for
     * formats that keep it apart (llama2.c), or null to look beside the model.
     */
    public static Model load(Path path, Path tokenizer) {
        return switch (detect(path)) {
            case GGUF -> loadGguf(path, true);
            case LLAMA2C -> loadLlama2c(path, tokenizer);
            case HF -> HfLoader.load(Files.isDirectory(path) ? path : path.toAbsolutePath().getParent(), Tokenizers::fromHfJson);
        };
    }

    /**
     * {@link #load(Path, Path)} for work on the weights alone: a GGUF file's tokenizer is not built
     * (its metadata stays in {@link Model#metadata}, so a GGUF written from the model keeps it), and
     * {@link Model#tokenizer} is null. Building llama-3.2-1b's 128K-token vocabulary and merges is a
     * third of a second, a tenth of quantizing the model. Other formats load as usual.
     */
    public static Model loadWeights(Path path, Path tokenizer) {
        return detect(path) == Format.GGUF ? loadGguf(path, false) : load(path, tokenizer);
    }

    public static Format detect(Path path) {
        if (!Files.exists(path)) throw new PithException(path + ": no such file or folder.");
        if (Files.isDirectory(path)) {
            if (Files.exists(path.resolve("config.json"))) return Format.HF;
            throw new PithException(path + " is a folder without a config.json, so not a Hugging Face model.");
        }
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(path)) {
            int n = in.readNBytes(head, 0, 4);
            if (n == 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F') return Format.GGUF;
        } catch (IOException e) {
            throw new PithException(path + ": cannot be read (" + e.getMessage() + ").", e);
        }
        if (path.getFileName().toString().endsWith(".json") && path.getParent() != null && Files.exists(path.getParent().resolve("config.json")))
            return Format.HF;
        String name = path.getFileName().toString();
        if (name.endsWith(".safetensors")) return Format.HF;
        if (name.endsWith(".pt") || name.endsWith(".pth") || name.endsWith(".pkl") || name.endsWith(".ckpt"))
            throw new PithException(path + " is a Python pickle, which can run code when loaded; Pith does not read pickles (convert to safetensors).");
        return Format.LLAMA2C;
    }

    static Model loadGguf(Path path, boolean withTokenizer) {
        GgufFile f = GgufFile.open(path);
        try {
            ModelConfig config = GgufConfig.fromGguf(f);
            // a file without general.architecture is rewritten from the model's objects, so it keeps its tokenizer object
            boolean tokenizer = withTokenizer || !f.has("general.architecture");
            Tokenizer tok = tokenizer && f.has("tokenizer.ggml.model") ? Tokenizers.fromGgufMetadata(f.metadata(), path) : null;
            return new Model(config, f.tensors(), tok, f.metadata(), path, List.of(f));
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    static Model loadLlama2c(Path path, Path tokenizer) {
        Llama2cCheckpoint.Contents c = Llama2cCheckpoint.read(path);
        try {
            Path tokPath = tokenizer != null ? tokenizer : findLlama2cTokenizer(path);
            Tokenizer tok = Tokenizers.fromLlama2c(tokPath, c.config().vocabSize());
            return new Model(c.config(), c.tensors(), tok, Map.of(), path, new ArrayList<>(List.of(c.mapped())));
        } catch (RuntimeException e) {
            c.mapped().close();
            throw e;
        }
    }

    /** tokenizer.bin beside the checkpoint, else the one tok*.bin there. */
    static Path findLlama2cTokenizer(Path model) {
        Path dir = model.toAbsolutePath().getParent();
        Path standard = dir.resolve("tokenizer.bin");
        if (Files.exists(standard)) return standard;
        try (var s = Files.list(dir)) {
            List<Path> candidates = s.filter(p -> p.getFileName().toString().matches("tok.*\\.bin")).toList();
            if (candidates.size() == 1) return candidates.get(0);
        } catch (IOException e) {
            throw new PithException(dir + ": cannot be listed (" + e.getMessage() + ").", e);
        }
        throw new PithException(model + " is a llama2.c checkpoint but no tokenizer.bin is beside it; pass --tokenizer.");
    }
}
