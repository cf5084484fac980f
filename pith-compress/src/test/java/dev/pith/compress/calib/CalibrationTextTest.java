package dev.pith.compress.calib;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CalibrationTextTest {
    @TempDir Path dir;

    @Test
    void sequencesStartWithBosAndFollowTheText() throws Exception {
        try (Model m = Models.load(Path.of(System.getProperty("pith.shared"), "data/models/stories260K-f32.gguf"))) {
            Path f = dir.resolve("calib.txt");
            Files.writeString(f, "Once upon a time there was a little cat. ".repeat(40));
            int[][] s = CalibrationText.sequences(m.tokenizer(), f, 3, 16);
            int[] all = CalibrationText.tokens(m.tokenizer(), f);
            assertThat(s).hasNumberOfRows(3);
            for (int i = 0; i < 3; i++) {
                assertThat(s[i]).hasSize(16);
                assertThat(s[i][0]).isEqualTo(m.tokenizer().bos());
                assertThat(java.util.Arrays.copyOfRange(s[i], 1, 16)).containsExactly(java.util.Arrays.copyOfRange(all, i * 15, i * 15 + 15));
            }
        }
    }

    @Test
    void tooLittleTextIsOneSentenceNamingTheFile() throws Exception {
        try (Model m = Models.load(Path.of(System.getProperty("pith.shared"), "data/models/stories260K-f32.gguf"))) {
            Path f = dir.resolve("short.txt");
            Files.writeString(f, "Once upon a time.");
            assertThatThrownBy(() -> CalibrationText.sequences(m.tokenizer(), f, 128, 128))
                    .isInstanceOf(PithException.class).hasMessageContaining(f.toString()).hasMessageContaining("fewer than");
        }
    }
}
