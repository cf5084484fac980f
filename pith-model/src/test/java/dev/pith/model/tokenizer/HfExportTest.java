package dev.pith.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.model.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tokenizers written as tokenizer.json by {@link Tokenizers#toHfJson} tokenize exactly as the original
 * when read back by Pith, and as the Hugging Face tokenizers library (through DJL) reads them.
 */
class HfExportTest {
    @TempDir Path dir;

    static String wiki(int chars) throws IOException {
        return Files.readString(VocabTestCases.shared().resolve("data/text/wikitext-2-test.txt")).substring(0, chars);
    }

    static Tokenizer gguf(Path file) {
        try (GgufFile f = GgufFile.open(file)) {
            return Tokenizers.fromGgufMetadata(f.metadata(), file);
        }
    }

    /** The .inp strings of the vocabulary (or of llama-spm for vocabularies without vectors) plus 60 kB of WikiText, line by line. */
    static List<String> texts(String vectors) throws IOException {
        List<String> out = new ArrayList<>(VocabTestCases.load(vectors).texts());
        out.addAll(List.of(wiki(60_000).split("(?<=\n)")));
        out.add("<s> [INST] <|im_start|>user\nhi<|im_end|> </s> <|endoftext|> <|begin_of_text|>");
        return out;
    }

    private void assertSameTokens(Tokenizer original, String vectors, String name) throws IOException {
        Path out = dir.resolve(name);
        Tokenizers.toHfJson(original, out);
        Tokenizer back = Tokenizers.fromHfJson(out.resolve("tokenizer.json"));
        assertThat(back.vocabSize()).isEqualTo(original.vocabSize());
        assertThat(back.bos()).isEqualTo(original.bos());
        assertThat(back.eos()).isEqualTo(original.eos());
        assertThat(back.addBosByDefault()).isEqualTo(original.addBosByDefault());
        List<String> texts = texts(vectors);
        try (HfOracle hf = new HfOracle(out.resolve("tokenizer.json"))) {
            List<String> bad = new ArrayList<>();
            for (String s : texts) {
                int[] expected = original.encode(s, false, false);
                check(bad, "reloaded", s, expected, back.encode(s, false, false));
                check(bad, "reloaded with BOS", s, original.encode(s, true, false), back.encode(s, true, false));
                // The HF library always matches special tokens in text: compare with Pith's parse-special mode.
                int[] withSpecial = original.encode(s, true, true);
                check(bad, "reloaded, parse special", s, withSpecial, back.encode(s, true, true));
                check(bad, "HF library", s, withSpecial, hf.encode(s, true));
            }
            assertThat(bad).as(name).isEmpty();
            assertThat(texts.size()).isGreaterThan(250);
        }
    }

    static void check(List<String> bad, String what, String text, int[] expected, int[] got) {
        String d = HfOracle.firstDifference(expected, got);
        if (d != null && bad.size() < 10) bad.add(what + " on " + HfOracle.shorten(text) + ": " + d);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "phi-3", "gpt-2", "mpt", "starcoder", "refact", "falcon", "deepseek-coder", "deepseek-llm"})
    void ggufVocabularyExportedToTokenizerJsonTokenizesTheSame(String name) throws IOException {
        Tokenizer t = gguf(VocabTestCases.vocabDir().resolve("ggml-vocab-" + name + ".gguf"));
        assertSameTokens(t, name, name);
    }

    @Test
    void llama2cVocabularyExportedToTokenizerJsonTokenizesTheSame() throws IOException {
        assertSameTokens(Tokenizers.fromLlama2c(Llama2cTokenizerTest.TOK512), "llama-spm", "tok512");
        assertSameTokens(gguf(Llama2cTokenizerTest.GGUF), "llama-spm", "stories260K");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "tinyllama-1.1b-chat-v1.0", "llama-3", "qwen3"})
    void tokenizerJsonWrittenBackTokenizesTheSame(String name) throws IOException {
        Tokenizer t = Tokenizers.fromHfJson(HfTokenizerJsonTest.hf(name));
        assertSameTokens(t, "llama-spm", name);
        assertThat(Tokenizers.fromHfJson(dir.resolve(name).resolve("tokenizer.json")).chatTemplate()).isEqualTo(t.chatTemplate());
    }

    @Test
    void configNamesSpecialsAndChatTemplate() throws IOException {
        Tokenizer t = Tokenizers.fromHfJson(HfTokenizerJsonTest.hf("tinyllama-1.1b-chat-v1.0"));
        Tokenizers.toHfJson(t, dir);
        JsonNode c = new ObjectMapper().readTree(dir.resolve("tokenizer_config.json").toFile());
        assertThat(c.path("bos_token").asText()).isEqualTo("<s>");
        assertThat(c.path("eos_token").asText()).isEqualTo("</s>");
        assertThat(c.path("add_bos_token").asBoolean()).isTrue();
        assertThat(c.path("chat_template").asText()).contains("<|assistant|>").isEqualTo(t.chatTemplate());
        JsonNode j = new ObjectMapper().readTree(dir.resolve("tokenizer.json").toFile());
        assertThat(j.path("model").path("type").asText()).isEqualTo("BPE");
        assertThat(j.path("model").path("byte_fallback").asBoolean()).isTrue();
    }

    @Test
    void llama2cModelWrittenAsHfFolderGetsATokenizerJson() throws IOException {
        Path out = dir.resolve("stories-hf");
        try (dev.pith.model.Model m = dev.pith.model.Models.load(Llama2cTokenizerTest.MODELS.resolve("stories260K.bin"))) {
            dev.pith.model.ModelWriters.write(m, out);
            Tokenizer back = Tokenizers.fromHfJson(out.resolve("tokenizer.json"));
            assertThat(Files.isRegularFile(out.resolve("tokenizer_config.json"))).isTrue();
            String text = wiki(5_000);
            assertThat(back.encode(text, true, false)).isEqualTo(m.tokenizer().encode(text, true, false));
            try (HfOracle hf = new HfOracle(out.resolve("tokenizer.json"))) {
                assertThat(hf.encode(text, true)).isEqualTo(m.tokenizer().encode(text, true, true));
            }
        }
    }
}
