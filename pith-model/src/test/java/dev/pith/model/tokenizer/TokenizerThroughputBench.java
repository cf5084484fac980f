package dev.pith.model.tokenizer;

import dev.pith.model.gguf.GgufFile;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Rough encode throughput on WikiText-2 test (1.29 MB), one thread. Not a unit test; run with
 * {@code java -cp <test classpath> -Dpith.shared=... dev.pith.model.tokenizer.TokenizerThroughputBench}.
 */
public final class TokenizerThroughputBench {
    public static void main(String[] args) throws Exception {
        Path shared = VocabTestCases.shared();
        String text = Files.readString(shared.resolve("data/text/wikitext-2-test.txt"));
        double mb = text.getBytes(StandardCharsets.UTF_8).length / 1e6;
        Path spm = shared.resolve("data/tokenizers/llama.cpp-vocab/ggml-vocab-llama-spm.gguf");
        bench("llama-spm (GGUF, SPM)", () -> {
            try (GgufFile f = GgufFile.open(spm)) {
                return Tokenizers.fromGgufMetadata(f.metadata(), spm);
            }
        }, text, mb);
        for (String d : new String[] {"gpt2", "llama-3", "qwen3", "tinyllama-1.1b-chat-v1.0"})
            bench(d + " (tokenizer.json)", () -> Tokenizers.fromHfJson(shared.resolve("data/tokenizers/hf/" + d + "/tokenizer.json")), text, mb);
    }

    /** Each run uses a freshly loaded tokenizer (empty word cache); the first run also warms the JIT. */
    private static void bench(String name, java.util.function.Supplier<Tokenizer> load, String text, double mb) {
        String[] lines = text.split("(?<=\n)");
        int tokens = 0;
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 3; rep++) {
            Tokenizer t = load.get();
            long t0 = System.nanoTime();
            tokens = 0;
            for (String line : lines) tokens += t.encode(line).length;
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        System.out.printf("%-42s %7d tokens  %.2f s  %5.1f MB/s%n", name, tokens, best, mb / best);
    }
}
