package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * pith train --recompute (and the "recompute" config field) trains to the same weights as a plain run;
 * --parallel batch repeats itself bit for bit and follows --parallel ops within rounding.
 */
class TrainCommandTest {
    static final String TEXT = CliRunner.shared("text/tinyshakespeare.txt").toString();
    @TempDir Path dir;

    private JsonNode train(String out, String... extra) throws Exception {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "--preset", "tiny", "--data", TEXT, "--tokenizer", "char",
                "--steps", "3", "--batch", "2", "--seq-len", "24", "--eval-batches", "1", "--threads", "2", "--out", dir.resolve(out).toString(), "--json"));
        args.addAll(java.util.List.of(extra));
        CliRunner r = CliRunner.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void recomputationGivesTheSameModelBitForBit() throws Exception {
        JsonNode plain = train("plain");
        JsonNode flag = train("flag", "--recompute");
        Path cfg = dir.resolve("train.json");
        Files.writeString(cfg, "{\"recompute\": true}");
        JsonNode file = train("file", "--config", cfg.toString());
        assertThat(flag.get("train_loss").asDouble()).isEqualTo(plain.get("train_loss").asDouble());
        byte[] a = Files.readAllBytes(dir.resolve("plain/model.gguf"));
        assertThat(Files.readAllBytes(dir.resolve("flag/model.gguf"))).isEqualTo(a);
        assertThat(Files.readAllBytes(dir.resolve("file/model.gguf"))).isEqualTo(a);
    }

    @Test
    void batchParallelRepeatsItselfAndFollowsPerOperation() throws Exception {
        JsonNode ops = train("ops", "--parallel", "ops");
        JsonNode batch = train("batch", "--parallel", "batch");
        train("again", "--parallel", "batch");
        assertThat(Files.readAllBytes(dir.resolve("again/model.gguf"))).isEqualTo(Files.readAllBytes(dir.resolve("batch/model.gguf")));
        assertThat(batch.get("train_loss").asDouble()).isCloseTo(ops.get("train_loss").asDouble(), org.assertj.core.data.Offset.offset(1e-4));
        CliRunner bad = CliRunner.run("train", "--preset", "tiny", "--data", TEXT, "--tokenizer", "char", "--steps", "1",
                "--parallel", "sideways", "--out", dir.resolve("bad").toString());
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("--parallel must be auto, ops or batch");
        assertThat(dir.resolve("bad")).doesNotExist();
    }
}
