package dev.pith.model.tokenizer;

import dev.pith.core.PithException;
import dev.pith.model.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** llama2.c's tok512.bin and llama.cpp's conversion of it (stories260K-f32.gguf) tokenize identically. */
class Llama2cTokenizerTest {
    static final Path MODELS = VocabTestCases.shared().resolve("data/models");
    static final Path TOK512 = MODELS.resolve("tok512.bin");
    static final Path GGUF = MODELS.resolve("stories260K-f32.gguf");

    static final List<String> TEXTS = List.of(
            "Once upon a time, there was a little girl named Lily.",
            "", " ", "  ", "\n", "Hello\n\nworld", "\ttab\tseparated\t",
            "She said: \"Let's play!\" and ran to the park...",
            "12345 + 678 = 13023", "naïve café résumé", "東京 🦙 emoji ½",
            "UPPER lower MiXeD", "  leading and trailing spaces  ", "a\u00A0b\u200Ac",
            "<s> not a special token </s>", "The end.\n<0x0A>");

    @Test
    void vocabularyEqualsTheConvertedGguf() {
        SpmTokenizer bin = (SpmTokenizer) Tokenizers.fromLlama2c(TOK512);
        try (GgufFile f = GgufFile.open(GGUF)) {
            SpmTokenizer gguf = (SpmTokenizer) Tokenizers.fromGgufMetadata(f.metadata(), GGUF);
            assertThat(bin.vocabSize()).isEqualTo(512).isEqualTo(gguf.vocabSize());
            for (int i = 0; i < 512; i++) {
                assertThat(bin.tokenText(i)).as("text of %d", i).isEqualTo(gguf.tokenText(i));
                assertThat(bin.vocabulary().type(i)).as("type of %d", i).isEqualTo(gguf.vocabulary().type(i));
                assertThat(bin.vocabulary().score(i)).as("score of %d", i).isEqualTo(gguf.vocabulary().score(i));
            }
            assertThat(bin.bos()).isEqualTo(gguf.bos()).isEqualTo(1);
            assertThat(bin.eos()).isEqualTo(gguf.eos()).isEqualTo(2);
            assertThat(bin.addBosByDefault()).isTrue().isEqualTo(gguf.addBosByDefault());
        }
    }

    @Test
    void encodesLikeTheGgufAndLikeRunC() throws IOException {
        Tokenizer bin = Tokenizers.fromLlama2c(TOK512);
        RunCEncoder runC = RunCEncoder.read(TOK512);
        try (GgufFile f = GgufFile.open(GGUF)) {
            Tokenizer gguf = Tokenizers.fromGgufMetadata(f.metadata(), GGUF);
            List<String> texts = new ArrayList<>(TEXTS);
            // Plus every TinyStories line of a sample: real text the model was trained on.
            String sample = Files.readString(VocabTestCases.shared().resolve("data/text/tinystories-sample.txt"));
            texts.addAll(sample.lines().limit(400).toList());
            for (String s : texts) {
                int[] a = bin.encode(s, true, false);
                assertThat(a).as(VocabTestCases.escape(s)).isEqualTo(gguf.encode(s, true, false)).isEqualTo(runC.encode(s, true));
                assertThat(bin.decode(a)).isEqualTo(s);
            }
            assertThat(bin.encode("Hello", true, false)[0]).isEqualTo(1);
        }
    }

    @Test
    void truncatedFileIsRefusedNamingIt(@TempDir Path dir) throws IOException {
        byte[] full = Files.readAllBytes(TOK512);
        for (int cut : new int[] {0, 3, 10, 99, 101, full.length - 1}) {
            Path p = dir.resolve("cut" + cut + ".bin");
            Files.write(p, Arrays.copyOf(full, cut));
            assertThatThrownBy(() -> Tokenizers.fromLlama2c(p)).as("cut at " + cut)
                    .isInstanceOf(PithException.class).hasMessageContaining(p.toString());
        }
        // Cut exactly after a token (4 + 13 + 13 + 14 + 4 * 14 = 100 bytes): parses, but byte tokens are missing.
        Path atBoundary = dir.resolve("boundary.bin");
        Files.write(atBoundary, Arrays.copyOf(full, 100));
        assertThatThrownBy(() -> Tokenizers.fromLlama2c(atBoundary)).isInstanceOf(PithException.class)
                .hasMessageContaining(atBoundary.toString()).hasMessageContaining("truncated");
        // With the model's vocab size every cut is caught.
        Path lastToken = dir.resolve("last.bin");
        Files.write(lastToken, Arrays.copyOf(full, full.length - 8 - Tokenizers.fromLlama2c(TOK512).tokenBytes(511).length));
        assertThatThrownBy(() -> Tokenizers.fromLlama2c(lastToken, 512)).isInstanceOf(PithException.class)
                .hasMessageContaining(lastToken.toString()).hasMessageContaining("511 tokens");
        assertThat(Tokenizers.fromLlama2c(TOK512, 512).vocabSize()).isEqualTo(512);
        Path huge = dir.resolve("huge.bin");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(7).putFloat(0f).putInt(Integer.MAX_VALUE);
        Files.write(huge, b.array());
        assertThatThrownBy(() -> Tokenizers.fromLlama2c(huge)).isInstanceOf(PithException.class).hasMessageContaining("huge.bin");
    }

    /**
     * A plain re-statement of llama2.c run.c's encode (dummy prefix " ", code points, byte fallback
     * +3, then merge the best-scoring adjacent pair, leftmost on ties, one at a time): the quadratic
     * reference the heap-based merger is checked against.
     */
    record RunCEncoder(String[] vocab, float[] scores) {
        static RunCEncoder read(Path p) throws IOException {
            ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
            buf.getInt();
            List<String> v = new ArrayList<>();
            List<Float> s = new ArrayList<>();
            while (buf.hasRemaining()) {
                s.add(buf.getFloat());
                byte[] piece = new byte[buf.getInt()];
                buf.get(piece);
                v.add(new String(piece, StandardCharsets.UTF_8));
            }
            float[] sc = new float[s.size()];
            for (int i = 0; i < sc.length; i++) sc[i] = s.get(i);
            return new RunCEncoder(v.toArray(new String[0]), sc);
        }

        int lookup(String s) {
            for (int i = 0; i < vocab.length; i++) if (vocab[i].equals(s)) return i;
            return -1;
        }

        int[] encode(String text, boolean bos) {
            List<Integer> t = new ArrayList<>();
            if (bos) t.add(1);
            if (!text.isEmpty()) t.add(lookup(" "));
            text.codePoints().forEach(cp -> {
                String c = new String(Character.toChars(cp));
                int id = lookup(c);
                if (id >= 0) t.add(id);
                else for (byte b : c.getBytes(StandardCharsets.UTF_8)) t.add((b & 0xFF) + 3);
            });
            while (true) {
                float best = -1e10f;
                int bestId = -1, bestIdx = -1;
                for (int i = 0; i < t.size() - 1; i++) {
                    int id = lookup(vocab[t.get(i)] + vocab[t.get(i + 1)]);
                    if (id != -1 && scores[id] > best) {
                        best = scores[id];
                        bestId = id;
                        bestIdx = i;
                    }
                }
                if (bestIdx == -1) break;
                t.set(bestIdx, bestId);
                t.remove(bestIdx + 1);
            }
            return t.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
