package dev.pith.model.tokenizer;

import dev.pith.core.PithException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each tokenizer.json in shared/data/tokenizers/hf reproduces the llama.cpp test vectors of its model family. */
class HfTokenizerJsonTest {
    static Path hf(String dir) { return VocabTestCases.shared().resolve("data/tokenizers/hf/" + dir + "/tokenizer.json"); }

    @ParameterizedTest
    @CsvSource({"gpt2, gpt-2", "tinyllama-1.1b-chat-v1.0, llama-spm", "llama-3, llama-bpe", "qwen3, qwen2"})
    void reproducesReferenceTokenization(String dir, String vocabName) throws IOException {
        Tokenizer t = Tokenizers.fromHfJson(hf(dir));
        VocabTestCases cases = VocabTestCases.load(vocabName);
        assertThat(cases.texts()).hasSize(46);
        assertThat(cases.mismatches(t)).as(dir).isEmpty();
    }

    @Test
    void specialsComeFromTemplateAndConfig() {
        Tokenizer llama2 = Tokenizers.fromHfJson(hf("tinyllama-1.1b-chat-v1.0"));
        assertThat(llama2.bos()).isEqualTo(1);
        assertThat(llama2.eos()).isEqualTo(2);
        assertThat(llama2.addBosByDefault()).isTrue();
        assertThat(llama2.encode("Hello", true, false)).containsExactly(1, 15043);

        Tokenizer llama3 = Tokenizers.fromHfJson(hf("llama-3"));
        assertThat(llama3.bos()).isEqualTo(128000);
        assertThat(llama3.eos()).isEqualTo(128001);

        Tokenizer qwen = Tokenizers.fromHfJson(hf("qwen3"));
        assertThat(qwen.bos()).isEqualTo(-1);
        assertThat(qwen.addBosByDefault()).isFalse();
        assertThat(qwen.eos()).isEqualTo(qwen.encode("<|im_end|>", false, true)[0]);
        assertThat(qwen.isEndOfGeneration(151643)).isTrue();  // <|endoftext|>

        Tokenizer gpt2 = Tokenizers.fromHfJson(hf("gpt2"));
        assertThat(gpt2.eos()).isEqualTo(50256);
    }

    @Test
    void addedTokensAreMatchedOnlyWhereHfMatchesThem() {
        Tokenizer qwen = Tokenizers.fromHfJson(hf("qwen3"));
        // Special tokens: only with parseSpecial; otherwise plain text.
        assertThat(qwen.encode("<|im_start|>user", false, true)).containsExactly(151644, 872);
        assertThat(qwen.encode("<|im_start|>user", false, false)).doesNotContain(151644);
        // Non-special added tokens (<think>) are always matched, as HF does.
        int think = 151667;
        assertThat(qwen.tokenText(think)).isEqualTo("<think>");
        assertThat(qwen.encode("a<think>b", false, false)).contains(think);
    }

    @Test
    void malformedJsonNamesTheFile(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("tokenizer.json");
        Files.writeString(bad, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0,");
        assertThatThrownBy(() -> Tokenizers.fromHfJson(bad)).isInstanceOf(PithException.class)
                .hasMessageContaining(bad.toString()).hasMessageContaining("JSON");

        Files.writeString(bad, "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 0.0]]}}");
        assertThatThrownBy(() -> Tokenizers.fromHfJson(bad)).isInstanceOf(PithException.class)
                .hasMessageContaining(bad.toString()).hasMessageContaining("Unigram");

        Files.writeString(bad, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}}");
        assertThatThrownBy(() -> Tokenizers.fromHfJson(bad)).isInstanceOf(PithException.class)
                .hasMessageContaining(bad.toString()).hasMessageContaining("a b");

        assertThatThrownBy(() -> Tokenizers.fromHfJson(dir.resolve("missing.json"))).isInstanceOf(PithException.class)
                .hasMessageContaining("missing.json");
    }
}
