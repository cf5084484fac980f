package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** pith prune end to end, and its bad input: one sentence, a non-zero exit, no output file. */
class PruneCommandTest {
    @TempDir Path dir;

    static String model() { return CliRunner.shared("models/stories260K-f32.gguf").toString(); }

    static String calib() { return CliRunner.shared("text/tinystories-sample.txt").toString(); }

    @Test
    void wandaTwoFourWritesAModelAndAReport() throws Exception {
        Path out = dir.resolve("w24.gguf");
        CliRunner r = CliRunner.run("prune", "--model", model(), "--method", "wanda", "--pattern", "2:4", "--calib", calib(),
                "--calib-seqs", "4", "--calib-len", "32", "--eval", calib(), "--eval-chunks", "2", "--ctx", "64", "--out", out.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("matrix_sparsity").asDouble()).isEqualTo(0.5);
        assertThat(j.get("layers")).hasSize(5);
        assertThat(j.get("tensors")).hasSize(35);
        assertThat(j.get("ppl_after").asDouble()).isGreaterThan(j.get("ppl_before").asDouble() * 0.5).isFinite();
        assertThat(j.get("params_after").asLong()).isEqualTo(j.get("params_before").asLong());
        CliRunner info = CliRunner.run("info", "--model", out.toString(), "--json");
        assertThat(info.code()).isZero();
    }

    @Test
    void sparsityOutsideZeroToOne() {
        fails("--sparsity", List.of("--method", "magnitude", "--sparsity", "1.0"));
        fails("--sparsity", List.of("--method", "magnitude", "--sparsity", "-0.2"));
    }

    @Test
    void patternThatDoesNotDivideTheRow() {
        fails("does not divide", List.of("--method", "magnitude", "--pattern", "3:7"));
    }

    @Test
    void tooLittleCalibrationText() throws Exception {
        Path small = dir.resolve("small.txt");
        Files.writeString(small, "Once upon a time there was a cat.");
        fails(small.toString(), List.of("--method", "wanda", "--sparsity", "0.5", "--calib", small.toString()));
    }

    @Test
    void removingMoreLayersThanExist() {
        fails("has 5 layers", List.of("--structured", "layers", "--remove", "7", "--calib", calib()));
        fails("has 5 layers", List.of("--structured", "layers", "--remove", "5", "--calib", calib()));
    }

    @Test
    void missingCalibrationAndConflictingOptions() {
        fails("--calib", List.of("--method", "sparsegpt", "--sparsity", "0.5"));
        fails("exactly one", List.of("--method", "wanda", "--sparsity", "0.5", "--pattern", "2:4", "--calib", calib()));
        fails("--method", List.of("--sparsity", "0.5"));
    }

    private void fails(String fragment, List<String> options) {
        Path out = dir.resolve("out.gguf");
        List<String> args = new java.util.ArrayList<>(List.of("prune", "--model", model(), "--out", out.toString()));
        args.addAll(options);
        CliRunner r = CliRunner.run(args.toArray(String[]::new));
        assertThat(r.code()).isNotZero();
        String err = r.err().strip();
        assertThat(err.lines().count()).as("one line: %s", err).isEqualTo(1);
        assertThat(err).contains(fragment).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(out).doesNotExist();
        try (var s = Files.list(dir)) {
            assertThat(s.filter(p -> p.getFileName().toString().startsWith("out"))).as("no partial output").isEmpty();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
