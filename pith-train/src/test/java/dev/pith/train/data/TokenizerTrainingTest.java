package dev.pith.train.data;

import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.model.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Trained tokenizers load through Pith's tokenizer.json reader and encode text losslessly. */
class TokenizerTrainingTest {
    static Path shakespeare() {
        Path p = Path.of(System.getProperty("pith.shared"), "data", "text", "tinyshakespeare.txt");
        assertThat(p).as("shared data file").isRegularFile();
        return p;
    }

    @Test
    void characterLevelShakespeareHasNanoGptsSixtyFiveTokens(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("tokenizer.json");
        TokenizerTraining.Summary s = TokenizerTraining.train(List.of(shakespeare()), 0, true, out);
        assertThat(s.vocabSize()).isEqualTo(65); // nanoGPT's prepare.py reports vocab size 65
        Tokenizer t = Tokenizers.fromHfJson(out);
        assertThat(t.vocabSize()).isEqualTo(65);
        String text = Files.readString(shakespeare()).substring(0, 5000);
        int[] ids = t.encode(text);
        assertThat(ids).hasSize(text.length());
        // ids are the ranks of the characters in sorted order, as nanoGPT's stoi
        String sorted = Files.readString(shakespeare()).chars().distinct().sorted()
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        for (int i = 0; i < 200; i++) assertThat(ids[i]).isEqualTo(sorted.indexOf(text.charAt(i)));
        assertThat(t.decode(ids)).isEqualTo(text);
    }

    @Test
    void byteLevelBpeLearnsTheMostFrequentPairFirstAndRoundTrips(@TempDir Path dir) throws Exception {
        String text = Files.readString(shakespeare()).substring(0, 200_000);
        Path in = dir.resolve("in.txt");
        Files.writeString(in, text);
        Path out = dir.resolve("tokenizer.json");
        TokenizerTraining.Summary s = TokenizerTraining.train(List.of(in), 512, false, out);
        assertThat(s.vocabSize()).isEqualTo(512);
        assertThat(s.merges()).isEqualTo(512 - 256 - 1);

        Tokenizer t = Tokenizers.fromHfJson(out);
        assertThat(t.vocabSize()).isEqualTo(512);
        assertThat(t.tokenText(511)).isEqualTo(TokenizerTraining.END_OF_TEXT);
        assertThat(t.eos()).isEqualTo(511);
        int[] ids = t.encode(text);
        assertThat(t.decode(ids)).isEqualTo(text);
        // 256 merges on English text must compress well below one token per byte
        assertThat((double) ids.length / text.getBytes(StandardCharsets.UTF_8).length).isLessThan(0.55);
        String unicode = "naïve café — ünïcödé ✓ 日本";
        assertThat(t.decode(t.encode(unicode))).isEqualTo(unicode);

        // the first merge is the most frequent adjacent byte pair inside pre-tokenized pieces, counted directly
        var m = java.util.regex.Pattern.compile(dev.pith.model.tokenizer.PreTokenizerRegexes.GPT2).matcher(text);
        Map<String, Integer> pairs = new HashMap<>();
        while (m.find()) {
            byte[] b = m.group().getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i + 1 < b.length; i++) pairs.merge((b[i] & 0xff) + "," + (b[i + 1] & 0xff), 1, Integer::sum);
        }
        int best = pairs.values().stream().max(Integer::compare).orElseThrow();
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toFile());
        String first = json.path("model").path("merges").get(0).asText();
        String[] parts = first.split(" ");
        byte[] a = dev.pith.model.tokenizer.ByteLevelAlphabet.decode(parts[0]), b = dev.pith.model.tokenizer.ByteLevelAlphabet.decode(parts[1]);
        assertThat(pairs.get((a[0] & 0xff) + "," + (b[0] & 0xff))).isEqualTo(best);
    }

    @Test
    void bpeTrainingIsDeterministic(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.txt");
        Files.writeString(in, Files.readString(shakespeare()).substring(0, 50_000));
        TokenizerTraining.train(List.of(in), 400, false, dir.resolve("a.json"));
        TokenizerTraining.train(List.of(in), 400, false, dir.resolve("b.json"));
        assertThat(Files.readAllBytes(dir.resolve("a.json"))).isEqualTo(Files.readAllBytes(dir.resolve("b.json")));
    }
}
