package dev.pith.model.tokenizer;

import dev.pith.core.PithException;
import dev.pith.model.gguf.GgufFile;
import dev.pith.model.gguf.GgufValue;
import dev.pith.model.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A tokenizer written to GGUF by Pith and read back as llama.cpp would (same keys, same rules) tokenizes the same. */
class GgufExportTest {
    @TempDir Path dir;

    private Tokenizer roundTrip(Tokenizer t, String name) {
        Map<String, GgufValue> md = Tokenizers.toGgufMetadata(t);
        Path file = dir.resolve(name + ".gguf");
        new GgufWriter().put("general.architecture", GgufValue.string("llama")).putAll(md).write(file);
        try (GgufFile f = GgufFile.open(file)) {
            return Tokenizers.fromGgufMetadata(f.metadata(), file);
        }
    }

    @ParameterizedTest
    @CsvSource({"gpt2, gpt-2, gpt2, gpt-2", "tinyllama-1.1b-chat-v1.0, llama-spm, llama, default",
                "llama-3, llama-bpe, gpt2, llama-bpe", "qwen3, qwen2, gpt2, qwen2"})
    void hfTokenizerConvertedToGgufReproducesReference(String dir, String vocabName, String model, String pre) throws IOException {
        Tokenizer hf = Tokenizers.fromHfJson(HfTokenizerJsonTest.hf(dir));
        Map<String, GgufValue> md = Tokenizers.toGgufMetadata(hf);
        assertThat(md.get("tokenizer.ggml.model").value()).isEqualTo(model);
        assertThat(md.get("tokenizer.ggml.pre").value()).isEqualTo(pre);
        Tokenizer back = roundTrip(hf, dir);
        assertThat(back.vocabSize()).isEqualTo(hf.vocabSize());
        assertThat(back.bos()).isEqualTo(hf.bos() >= 0 ? hf.bos() : hf.eos());  // see toGgufMetadata on "no BOS"
        assertThat(back.eos()).isEqualTo(hf.eos());
        assertThat(back.addBosByDefault()).isEqualTo(hf.addBosByDefault());
        assertThat(VocabTestCases.load(vocabName).mismatches(back)).isEmpty();
        // Longer real text as well: the score-based SPM merging must equal the merge-rank order.
        String wiki = java.nio.file.Files.readString(VocabTestCases.shared().resolve("data/text/wikitext-2-test.txt")).substring(0, 20_000);
        assertThat(back.encode(wiki)).isEqualTo(hf.encode(wiki));
    }

    @Test
    void llama2cTokenizerConvertedToGgufEqualsLlamaCppsConversion() {
        Tokenizer bin = Tokenizers.fromLlama2c(Llama2cTokenizerTest.TOK512);
        Map<String, GgufValue> md = Tokenizers.toGgufMetadata(bin);
        try (GgufFile ref = GgufFile.open(Llama2cTokenizerTest.GGUF)) {
            for (String key : new String[] {"tokenizer.ggml.model", "tokenizer.ggml.tokens", "tokenizer.ggml.scores",
                    "tokenizer.ggml.token_type", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                    "tokenizer.ggml.unknown_token_id"}) {
                assertThat(md.get(key)).as(key).isEqualTo(ref.get(key));
            }
        }
    }

    @Test
    void ggufVocabularyRoundTrips() throws IOException {
        for (String name : new String[] {"llama-spm", "phi-3", "deepseek-llm", "falcon", "mpt"}) {
            Path src = VocabTestCases.vocabDir().resolve("ggml-vocab-" + name + ".gguf");
            try (GgufFile f = GgufFile.open(src)) {
                Tokenizer t = Tokenizers.fromGgufMetadata(f.metadata(), src);
                Tokenizer back = roundTrip(t, name);
                if (name.equals("phi-3")) {
                    // Phi-3's whitespace rule hangs on general.name, which a tokenizer alone does not carry.
                    assertThat(back.encode("<|user|>\nHi", false, true)).isNotEmpty();
                    continue;
                }
                assertThat(VocabTestCases.load(name).mismatches(back)).as(name).isEmpty();
            }
        }
    }

    @Test
    void unknownTokenizerModelsAreRefused() {
        Path src = Path.of("some.gguf");
        Map<String, GgufValue> md = Map.of("tokenizer.ggml.model", GgufValue.string("t5"),
                "tokenizer.ggml.tokens", GgufValue.array(dev.pith.model.gguf.GgufValueType.STRING, java.util.List.of("a")));
        assertThatThrownBy(() -> Tokenizers.fromGgufMetadata(md, src)).isInstanceOf(PithException.class)
                .hasMessageContaining("some.gguf").hasMessageContaining("t5");
        assertThatThrownBy(() -> Tokenizers.fromGgufMetadata(Map.of(), src)).isInstanceOf(PithException.class)
                .hasMessageContaining("some.gguf");
    }
}
