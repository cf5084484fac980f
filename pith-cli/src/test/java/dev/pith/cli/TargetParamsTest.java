package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pith.model.Model;
import dev.pith.model.Models;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * pith prune --target-params on stories260K (292,800 parameters): the written model has at most the
 * target, and one unit fewer removed would have exceeded it (the cost of a unit measured from the
 * output itself, not from the formula under test).
 */
class TargetParamsTest {
    @TempDir Path dir;
    private static final Path MODEL = CliRunner.shared("models/stories260K-f32.gguf");
    private static final Path TEXT = CliRunner.shared("text/tinystories-sample.txt");

    @ParameterizedTest
    @CsvSource({"mlp, 260000, ffn_before, ffn_after", "heads, 290000, kv_heads_before, kv_heads_after", "embedding, 250000, dim_before, dim_after"})
    void meetsTheTargetWithTheFewestUnitsRemoved(String kind, long target, String before, String after) throws Exception {
        Path out = dir.resolve(kind + ".gguf");
        CliRunner r = CliRunner.run("prune", "--model", MODEL.toString(), "--structured", kind, "--target-params", Long.toString(target),
                "--calib", TEXT.toString(), "--calib-tokens", "512", "--out", out.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode o = Json.MAPPER.readTree(r.out());
        long paramsAfter = o.path("params_after").asLong(), paramsBefore = o.path("params_before").asLong();
        int removed = o.path(before).asInt() - o.path(after).asInt();
        assertThat(removed).isPositive();
        long perUnit = (paramsBefore - paramsAfter) / removed;
        assertThat(paramsAfter).isLessThanOrEqualTo(target);
        assertThat(paramsAfter + perUnit).as("one unit fewer removed").isGreaterThan(target);
        try (Model m = Models.load(out)) {
            assertThat(m.parameterCount()).isEqualTo(paramsAfter);
        }
    }

    @Test
    void unreachableOrPointlessTargetsAreRefusedWithoutOutput() {
        Path out = dir.resolve("x.gguf");
        for (String target : new String[] {"300000", "1000"}) {
            CliRunner r = CliRunner.run("prune", "--model", MODEL.toString(), "--structured", "mlp", "--target-params", target,
                    "--calib", TEXT.toString(), "--out", out.toString());
            assertThat(r.code()).isNotZero();
            assertThat(r.err()).contains("--target-params " + target);
            assertThat(Files.exists(out)).isFalse();
        }
        CliRunner both = CliRunner.run("prune", "--model", MODEL.toString(), "--structured", "mlp", "--target-params", "260000", "--ratio", "0.2",
                "--calib", TEXT.toString(), "--out", out.toString());
        assertThat(both.code()).isNotZero();
        assertThat(both.err()).contains("not both");
    }
}
