package dev.pith.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad pruning requests: one sentence, a non-zero exit, and no output file. */
class PruneBadInputTest {
    @TempDir Path dir;
    private static final String MODEL = CliRunner.shared("models/stories260K-f32.gguf").toString();
    private static final String TEXT = CliRunner.shared("text/tinystories-sample.txt").toString();

    private void fails(String fragment, String... args) {
        Path out = dir.resolve("out.gguf");
        String[] base = {"prune", "--model", MODEL, "--out", out.toString()};
        String[] all = new String[base.length + args.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(args, 0, all, base.length, args.length);
        CliRunner r = CliRunner.run(all);
        assertThat(r.code()).isNotZero();
        String err = r.err().strip();
        assertThat(err.lines().count()).as("one line: %s", err).isEqualTo(1);
        assertThat(err).containsIgnoringCase(fragment).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void sparsityOutsideZeroToOne() {
        fails("outside [0, 1)", "--method", "magnitude", "--sparsity", "1.0");
        fails("outside [0, 1)", "--method", "wanda", "--sparsity", "-0.2", "--calib", TEXT);
    }

    @Test
    void patternsThatCannotApply() {
        fails("does not divide", "--method", "magnitude", "--pattern", "2:3");   // rows of 64 and 172 weights
        fails("0 < N <= M", "--method", "magnitude", "--pattern", "5:4");
    }

    @Test
    void tooLittleCalibrationText() throws Exception {
        Path tiny = dir.resolve("tiny.txt");
        Files.writeString(tiny, "Once upon a time there was a cat.");
        fails(tiny.toString(), "--method", "sparsegpt", "--sparsity", "0.5", "--calib", tiny.toString());
    }

    @Test
    void removingEveryLayer() {
        fails("has 5 layers", "--structured", "layers", "--remove", "5", "--calib", TEXT);
        fails("has 5 layers", "--structured", "layers", "--remove", "9", "--calib", TEXT);
    }

    @Test
    void missingCalibration() {
        fails("--calib", "--method", "wanda", "--sparsity", "0.5");
    }
}
