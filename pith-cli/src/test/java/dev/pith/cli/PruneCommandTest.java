package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pith.core.Tensor;
import dev.pith.core.kernel.MatMul;
import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.runtime.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** pith prune end to end on stories260K: outputs load in Pith, run, and have the shapes and masks asked for. */
class PruneCommandTest {
    @TempDir Path dir;
    private static final Path MODEL = CliRunner.shared("models/stories260K-f32.gguf");
    private static final Path TEXT = CliRunner.shared("text/tinystories-sample.txt");
    private static final int[] PROMPT = {1, 403, 407, 261, 378, 10, 300};

    private JsonNode prune(Path out, String... args) throws Exception {
        String[] base = {"prune", "--model", MODEL.toString(), "--calib", TEXT.toString(), "--calib-tokens", "512", "--out", out.toString(), "--json"};
        String[] all = new String[base.length + args.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(args, 0, all, base.length, args.length);
        CliRunner r = CliRunner.run(all);
        assertThat(r.code()).as(r.err()).isZero();
        return Json.MAPPER.readTree(r.out());
    }

    private static float[] logits(Path model) {
        try (Model m = Models.load(model)) {
            return new Transformer(m).forward(PROMPT);
        }
    }

    @Test
    void twoFourSparseGptWritesExactMasks() throws Exception {
        Path out = dir.resolve("24.gguf");
        JsonNode o = prune(out, "--method", "sparsegpt", "--pattern", "2:4");
        assertThat(o.path("layers").size()).isEqualTo(5);
        for (JsonNode l : o.path("layers")) assertThat(l.path("sparsity").asDouble()).isEqualTo(0.5);
        assertThat(o.path("nonzero_after").asLong()).isLessThan(o.path("nonzero_before").asLong());
        try (Model m = Models.load(out)) {
            Tensor t = m.tensor("blk.3.ffn_down.weight");
            float[] row = new float[t.cols()];
            for (int r = 0; r < t.rows(); r++) {
                MatMul.getRow(t, r, row, 0);
                for (int g = 0; g < row.length; g += 4) {
                    int nz = 0;
                    for (int j = g; j < g + 4; j++) if (row[j] != 0) nz++;
                    assertThat(nz).isEqualTo(2);
                }
            }
            assertThat(m.tensor("token_embd.weight").elementCount()).isPositive();
        }
        for (float v : logits(out)) assertThat(v).isFinite();
    }

    @Test
    void removingNoLayersKeepsTheModel() throws Exception {
        Path out = dir.resolve("l0.gguf");
        JsonNode o = prune(out, "--structured", "layers", "--remove", "0");
        assertThat(o.path("layers_after").asInt()).isEqualTo(5);
        assertThat(logits(out)).containsExactly(logits(MODEL));
        Path mlp0 = dir.resolve("m0.gguf");
        assertThat(prune(mlp0, "--structured", "mlp", "--ratio", "0").path("ffn_after").asInt()).isEqualTo(172);
        assertThat(logits(mlp0)).containsExactly(logits(MODEL));
    }

    @Test
    void layerAndMlpPrunedModelsLoadAndRun() throws Exception {
        Path layers = dir.resolve("layers.gguf"), mlp = dir.resolve("mlp.gguf");
        JsonNode lo = prune(layers, "--structured", "layers", "--remove", "2");
        assertThat(lo.path("removed_layers").size()).isEqualTo(2);
        assertThat(lo.path("params_after").asLong()).isLessThan(lo.path("params_before").asLong());
        JsonNode mo = prune(mlp, "--structured", "mlp", "--ratio", "0.25", "--eval", CliRunner.shared("text/wikitext-2-test.txt").toString(), "--eval-chunks", "4");
        assertThat(mo.path("ffn_after").asInt()).isEqualTo(172 - 43);
        assertThat(mo.path("ppl_before").asDouble()).isFinite().isGreaterThan(1);
        assertThat(mo.path("ppl_after").asDouble()).isFinite().isGreaterThan(1);
        try (Model m = Models.load(layers)) {
            assertThat(m.config().layers()).isEqualTo(3);
            assertThat(m.has("blk.3.attn_q.weight")).isFalse();
        }
        try (Model m = Models.load(mlp)) {
            assertThat(m.config().ffnDim()).isEqualTo(129);
            assertThat(m.tensor("blk.0.ffn_down.weight").cols()).isEqualTo(129);
        }
        for (float v : logits(layers)) assertThat(v).isFinite();
        for (float v : logits(mlp)) assertThat(v).isFinite();
    }

    /** Recovery after 2:4 keeps every pruned weight at zero, and reports its losses and perplexity. */
    @Test
    void recoveryKeepsTheTwoFourZeros() throws Exception {
        Path out = dir.resolve("rec.gguf");
        String model = CliRunner.shared("models/stories260K-f32.gguf").toString(), calib = CliRunner.shared("text/tinystories-sample.txt").toString();
        CliRunner r = CliRunner.run("prune", "--model", model, "--method", "magnitude", "--pattern", "2:4", "--calib", calib,
                "--recover-steps", "3", "--recover-batch", "2", "--lr", "1e-3", "--eval", calib, "--eval-chunks", "2", "--out", out.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        assertThat(j.get("recovery").get("steps").asInt()).isEqualTo(3);
        assertThat(j.get("ppl_after_recovery").asDouble()).isFinite();
        for (com.fasterxml.jackson.databind.JsonNode l : j.get("layers")) assertThat(l.get("sparsity").asDouble()).isEqualTo(0.5);
    }

    @Test
    void recoveryIsRefusedUpFrontWhereTheTrainerCannotTakeTheShape() {
        Path out = dir.resolve("h.gguf");
        CliRunner r = CliRunner.run("prune", "--model", CliRunner.shared("models/stories260K-f32.gguf").toString(), "--structured", "heads",
                "--ratio", "0.25", "--calib", CliRunner.shared("text/tinystories-sample.txt").toString(), "--recover-steps", "5", "--out", out.toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err().strip()).contains("--recover-steps").doesNotContain("Exception");
        assertThat(out).doesNotExist();
    }
}
