package dev.pith.model.tokenizer;

import dev.pith.model.gguf.GgufFile;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Tokenizers loaded once per test JVM for the fuzz and bad-input tests: the four tokenizer.json files and a few GGUF vocabularies. */
final class FuzzTokenizers {
    private static final Map<String, Tokenizer> CACHE = new ConcurrentHashMap<>();

    private FuzzTokenizers() {}

    static final List<String> HF = List.of("gpt2", "tinyllama-1.1b-chat-v1.0", "llama-3", "qwen3");
    static final List<String> GGUF = List.of("llama-spm", "phi-3", "gpt-2", "falcon", "deepseek-llm", "starcoder");

    static Tokenizer hf(String name) {
        return CACHE.computeIfAbsent("hf:" + name, k -> Tokenizers.fromHfJson(HfTokenizerJsonTest.hf(name)));
    }

    static Tokenizer gguf(String name) {
        return CACHE.computeIfAbsent("gguf:" + name, k -> {
            Path p = VocabTestCases.vocabDir().resolve("ggml-vocab-" + name + ".gguf");
            try (GgufFile f = GgufFile.open(p)) {
                return Tokenizers.fromGgufMetadata(f.metadata(), p);
            }
        });
    }

    /** Every tokenizer by a readable name (tokenizer.json folder name, or NAME.gguf). */
    static Map<String, Tokenizer> all() {
        Map<String, Tokenizer> out = new java.util.LinkedHashMap<>();
        for (String h : HF) out.put(h, hf(h));
        for (String g : GGUF) out.put(g + ".gguf", gguf(g));
        return out;
    }
}
