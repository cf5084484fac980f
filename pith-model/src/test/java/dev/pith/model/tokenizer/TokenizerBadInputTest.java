package dev.pith.model.tokenizer;

import dev.pith.core.PithException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Item 5 of the tokenizer issue: invalid UTF-8, huge lines, damaged merge lists. */
class TokenizerBadInputTest {
    @TempDir Path dir;

    private Path tinyJson(String merges) throws IOException {
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"c\": 2, \"ab\": 3, \"bc\": 4, \"abc\": 5},"
                + " \"merges\": [" + merges + "]}}");
        return p;
    }

    @Test
    void duplicateMergesRankAsTheHfLibraryRanksThem() throws IOException {
        Path p = tinyJson("\"b c\", \"a b\", \"b c\"");
        try (HfOracle hf = new HfOracle(p)) {
            int[] expected = hf.encode("abc", false);
            assertThat(Tokenizers.fromHfJson(p).encode("abc")).isEqualTo(expected);
        }
    }

    @Test
    void mergesWithUnknownTokensAreRefusedInTokenizerJsonAsTheHfLibraryDoes() throws IOException {
        Path p = tinyJson("\"a b\", \"c d\"");
        assertThatThrownBy(() -> Tokenizers.fromHfJson(p)).isInstanceOf(PithException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("c d");
        assertThatThrownBy(() -> new HfOracle(p)).hasMessageContaining("d");  // the reference refuses it too
    }

    @Test
    void invalidUtf8FilesAreRefusedWithTheOffset() throws IOException {
        Path f = dir.resolve("bad.txt");
        Files.write(f, new byte[] {'o', 'k', ' ', (byte) 0xC3, '(', 'x'});
        assertThatThrownBy(() -> Tokenizers.readText(f)).isInstanceOf(PithException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("byte 3").hasMessageContaining("0xC3");
        Files.write(f, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80});  // an encoded surrogate (CESU-8)
        assertThatThrownBy(() -> Tokenizers.readText(f)).isInstanceOf(PithException.class).hasMessageContaining("byte 0");
        Files.writeString(f, "naïve 🦙", StandardCharsets.UTF_8);
        assertThat(Tokenizers.readText(f)).isEqualTo("naïve 🦙");
        assertThatThrownBy(() -> Tokenizers.readText(dir.resolve("missing.txt"))).isInstanceOf(PithException.class)
                .hasMessageContaining("missing.txt");
    }

    @Test
    void loneSurrogatesAreTokenizedAsReplacementCharacters() {
        for (Tokenizer t : FuzzTokenizers.all().values()) {
            assertThat(t.encode("a\uD800b\uDFFF")).isEqualTo(t.encode("a\uFFFDb\uFFFD"));
            assertThat(t.encode("\uD83E\uDD99")).isEqualTo(t.encode("🦙"));  // a proper pair is kept
        }
    }

    /** Long runs of one kind (a word, spaces, digits, punctuation) defeat no regex: no recursion, no quadratic time. */
    @Test
    void longDegenerateLinesFinish() {
        for (var e : FuzzTokenizers.all().entrySet()) {
            Tokenizer t = e.getValue();
            for (String unit : new String[] {"a", " ", "7", "!", "\n", "🦙", " \t"}) {
                String s = unit.repeat(400_000 / unit.length());
                long t0 = System.nanoTime();
                int[] ids = t.encode(s);
                double secs = (System.nanoTime() - t0) / 1e9;
                assertThat(ids).isNotEmpty();
                assertThat(secs).as("%s on %s x %d", e.getKey(), VocabTestCases.escape(unit), s.length()).isLessThan(10);
                assertThat(t.decode(ids)).isEqualTo(s);
            }
        }
    }

    /** A 50 MB line of ordinary text (WikiText without its newlines) through a byte-level and a SentencePiece tokenizer. */
    @Test
    void fiftyMegabyteLine() throws IOException {
        String wiki = Files.readString(VocabTestCases.shared().resolve("data/text/wikitext-2-test.txt")).replace('\n', ' ');
        String line = wiki.repeat(50_000_000 / wiki.length() + 1).substring(0, 50_000_000);
        // SentencePiece-style BPE has no pre-tokenizer, so a line is one word for the merger (in both
        // references too): it gets 5 MB here to keep the suite fast; byte-level BPE the full 50 MB.
        for (Tokenizer t : new Tokenizer[] {FuzzTokenizers.hf("gpt2"), FuzzTokenizers.hf("tinyllama-1.1b-chat-v1.0")}) {
            String input = t == FuzzTokenizers.hf("gpt2") ? line : line.substring(0, 5_000_000);
            int[] ids = t.encode(input);
            assertThat(ids.length).isGreaterThan(input.length() / 10);
            String head = t.decode(java.util.Arrays.copyOf(ids, 1000));
            assertThat(line).startsWith(head.substring(0, head.length() - 1));
        }
    }
}
