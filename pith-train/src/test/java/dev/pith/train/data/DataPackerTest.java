package dev.pith.train.data;

import dev.pith.core.PithException;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.model.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Packed shards hold exactly the tokenizer's ids, split 90/10, and read back memory-mapped. */
class DataPackerTest {
    @Test
    void packsShakespeareCharactersAndReadsThemBackMapped(@TempDir Path dir) throws Exception {
        Path tokJson = dir.resolve("tokenizer.json");
        TokenizerTraining.train(List.of(TokenizerTrainingTest.shakespeare()), 0, true, tokJson);
        Tokenizer tok = Tokenizers.fromHfJson(tokJson);
        Path out = dir.resolve("data");
        DataPacker.Summary s = DataPacker.pack(tok, tokJson.toString(), List.of(TokenizerTrainingTest.shakespeare()), out, 0.1);
        String text = Files.readString(TokenizerTrainingTest.shakespeare());
        int[] ids = tok.encode(text);
        assertThat(s.trainTokens() + s.valTokens()).isEqualTo(ids.length);
        assertThat(s.dtype()).isEqualTo("uint16");
        assertThat(Files.size(out.resolve("train.bin"))).isEqualTo(2 * s.trainTokens());
        try (TokenShards train = TokenShards.open(out, "train"); TokenShards val = TokenShards.open(out, "val")) {
            assertThat(train.vocabSize()).isEqualTo(65);
            assertThat(train.size()).isEqualTo(1003854); // nanoGPT's prepare.py: "train has 1,003,854 tokens"
            assertThat(val.size()).isEqualTo(111540);     // "val has 111,540 tokens"
            for (int i = 0; i < 1000; i++) assertThat(train.get(i)).isEqualTo(ids[i]);
            for (int i = 0; i < 1000; i++) assertThat(val.get(i)).isEqualTo(ids[(int) train.size() + i]);
        }
    }

    @Test
    void tooLittleTextIsOneClearError(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("tiny.txt");
        Files.writeString(in, "ab");
        Path tokJson = dir.resolve("tokenizer.json");
        TokenizerTraining.train(List.of(in), 0, true, tokJson);
        Tokenizer tok = Tokenizers.fromHfJson(tokJson);
        assertThatThrownBy(() -> DataPacker.pack(tok, "t", List.of(in), dir.resolve("out"), 0.1))
                .isInstanceOf(PithException.class).hasMessageContaining("too few");
        assertThat(dir.resolve("out").resolve("manifest.json")).doesNotExist();
    }

    @Test
    void aTruncatedShardIsOneClearError(@TempDir Path dir) throws Exception {
        Path tokJson = dir.resolve("tokenizer.json");
        Path in = dir.resolve("t.txt");
        Files.writeString(in, "hello world, hello again, and once more hello");
        TokenizerTraining.train(List.of(in), 0, true, tokJson);
        DataPacker.pack(Tokenizers.fromHfJson(tokJson), "t", List.of(in), dir.resolve("d"), 0.2);
        byte[] b = Files.readAllBytes(dir.resolve("d/train.bin"));
        Files.write(dir.resolve("d/train.bin"), java.util.Arrays.copyOf(b, b.length - 1));
        assertThatThrownBy(() -> TokenShards.open(dir.resolve("d"), "train"))
                .isInstanceOf(PithException.class).hasMessageContaining("train.bin").hasMessageContaining("truncated");
    }
}
