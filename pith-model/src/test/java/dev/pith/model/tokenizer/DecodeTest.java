package dev.pith.model.tokenizer;

import dev.pith.model.gguf.GgufFile;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** decode, tokenBytes and the streaming decoder, on real vocabularies. */
class DecodeTest {
    static List<Tokenizer> tokenizers() {
        List<Tokenizer> out = new ArrayList<>();
        for (String d : new String[] {"gpt2", "tinyllama-1.1b-chat-v1.0", "qwen3"}) out.add(Tokenizers.fromHfJson(HfTokenizerJsonTest.hf(d)));
        for (String name : new String[] {"llama-spm", "deepseek-coder"}) {
            Path p = VocabTestCases.vocabDir().resolve("ggml-vocab-" + name + ".gguf");
            try (GgufFile f = GgufFile.open(p)) {
                out.add(Tokenizers.fromGgufMetadata(f.metadata(), p));
            }
        }
        return out;
    }

    @Test
    void decodeInvertsEncodeAndStreamingAgreesWithoutBrokenCharacters() throws IOException {
        List<String> texts = VocabTestCases.load("llama-spm").texts();
        for (Tokenizer t : tokenizers()) {
            for (String s : texts) {
                int[] ids = t.encode(s, true, false);
                assertThat(t.decode(ids)).as(VocabTestCases.escape(s)).isEqualTo(s);
                StreamingDecoder sd = new StreamingDecoder(t);
                StringBuilder sb = new StringBuilder();
                for (int id : ids) {
                    String piece = sd.accept(id);
                    assertThat(piece).doesNotContain("\uFFFD");
                    sb.append(piece);
                }
                sb.append(sd.flush());
                assertThat(sb.toString()).isEqualTo(s);
            }
        }
    }

    @Test
    void byteTokensAndByteLevelTokensGiveRawBytes() {
        Tokenizer llama = tokenizers().get(1);
        // 🦙 has no token in Llama 2: four byte-fallback tokens, each one raw byte.
        int[] ids = llama.encode("🦙");
        assertThat(ids).hasSize(5);  // "▁" + 4 bytes
        byte[] llamaUtf8 = "🦙".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 4; i++) assertThat(llama.tokenBytes(ids[i + 1])).containsExactly(llamaUtf8[i]);
        Tokenizer gpt2 = tokenizers().get(0);
        int[] g = gpt2.encode(" hello\n");
        assertThat(gpt2.tokenText(g[0])).isEqualTo("Ġhello");
        assertThat(gpt2.tokenBytes(g[0])).isEqualTo(" hello".getBytes(StandardCharsets.UTF_8));
        assertThat(gpt2.tokenBytes(g[1])).containsExactly((byte) '\n');
    }

    @Test
    void incompleteCharacterIsHeldBack() {
        Tokenizer llama = tokenizers().get(1);
        StreamingDecoder sd = new StreamingDecoder(llama);
        int[] ids = llama.encode("a🦙b");
        List<String> pieces = new ArrayList<>();
        for (int id : ids) pieces.add(sd.accept(id));
        assertThat(String.join("", pieces)).isEqualTo("a🦙b");
        assertThat(pieces).contains("🦙").doesNotContain("\uFFFD");
        // A truncated stream shows the broken character only when flushed.
        sd.reset();
        int[] only = llama.encode("🦙");
        assertThat(sd.accept(only[0]) + sd.accept(only[1]) + sd.accept(only[2])).isEmpty();
        assertThat(sd.flush()).isEqualTo("\uFFFD");
    }

    @Test
    void specialTokensAreHiddenInText() {
        Tokenizer llama = tokenizers().get(1);
        assertThat(llama.decode(new int[] {1, 15043, 2})).isEqualTo("Hello");
        assertThat(llama.tokenBytes(1)).isEqualTo("<s>".getBytes(StandardCharsets.UTF_8));
    }
}
