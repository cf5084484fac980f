package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.compress.imatrix.Imatrix;
import dev.pith.compress.imatrix.ImatrixFile;
import dev.pith.core.DType;
import dev.pith.model.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** `pith quantize` and `pith imatrix` end to end on stories260K, and their bad input. */
class QuantizeCommandTest {
    @TempDir Path dir;
    static final ObjectMapper JSON = new ObjectMapper();

    static String stories() { return CliRunner.shared("models/stories260K-f32.gguf").toString(); }

    static String calib() { return CliRunner.shared("text/tinystories-sample.txt").toString(); }

    @Test
    void q4KMixtureWarnsAboutEveryFallbackAndWritesTheChosenTypes() throws Exception {
        Path out = dir.resolve("q4km.gguf");
        CliRunner r = CliRunner.run("quantize", "--model", stories(), "--type", "Q4_K_M", "--out", out.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("type").asText()).isEqualTo("Q4_K_M");
        // 64-wide rows cannot hold a 256-block: Q4_K → Q5_0, Q6_K → Q8_0; ffn_down's 172 columns fit no block → F16.
        // Of 5 layers, Q4_K_M's use_more_bits gives layer 2 (and only it) Q6_K for attn_v and ffn_down.
        assertThat(r.err()).contains("warning: blk.2.ffn_down.weight: 172 columns are not a multiple of Q6_K's block of 256; falling back to F16")
                .contains("warning: blk.0.ffn_down.weight: 172 columns are not a multiple of Q4_K's block of 256; falling back to F16")
                .contains("warning: blk.1.attn_q.weight: 64 columns are not a multiple of Q4_K's block of 256; falling back to Q5_0");
        assertThat(o.get("warnings").size()).isEqualTo(36);
        try (GgufFile g = GgufFile.open(out)) {
            assertThat(g.tensor("blk.1.attn_q.weight").type()).isEqualTo(DType.Q5_0);
            assertThat(g.tensor("blk.0.attn_v.weight").type()).isEqualTo(DType.Q5_0);
            assertThat(g.tensor("blk.2.attn_v.weight").type()).isEqualTo(DType.Q8_0);
            assertThat(g.tensor("blk.0.ffn_down.weight").type()).isEqualTo(DType.F16);
            assertThat(g.tensor("blk.0.attn_norm.weight").type()).isEqualTo(DType.F32);
            assertThat(g.getLong("general.file_type", -1)).isEqualTo(15);
        }
    }

    @Test
    void imatrixThenWeightedQuantization() throws Exception {
        Path im = dir.resolve("s.imatrix.gguf"), out = dir.resolve("q4_0.gguf");
        CliRunner r = CliRunner.run("imatrix", "--model", stories(), "--calib", calib(), "--ctx", "64", "--chunks", "4", "--out", im.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        Imatrix read = ImatrixFile.read(im);
        // 5 layers × 7 matrices; attn_q/k/v share their input but each gets its entry, as in llama-imatrix
        assertThat(read.entries()).hasSize(35);
        assertThat(read.entries().get("blk.0.ffn_down.weight").sums()).hasSize(172);
        assertThat(read.entries().get("blk.0.attn_q.weight").count()).isEqualTo(4 * 64);
        r = CliRunner.run("quantize", "--model", stories(), "--type", "Q4_0", "--imatrix", im.toString(), "--out", out.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(JSON.readTree(r.out()).get("method").asText()).isEqualTo("imatrix");
        // --target-size: the file stays within the bytes asked for; a size below the floor is refused, nothing written
        Path sized = dir.resolve("sized.gguf");
        r = CliRunner.run("quantize", "--model", stories(), "--type", "Q4_K_M", "--imatrix", im.toString(), "--target-size", "300000", "--out", sized.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.size(sized)).isLessThanOrEqualTo(300000);
        Path small = dir.resolve("small.gguf");
        assertCleanFailure(CliRunner.run("quantize", "--model", stories(), "--type", "Q4_K_M", "--imatrix", im.toString(), "--target-size", "250000", "--out", small.toString()),
                small, "--target-size 250000", "its floor is", "bits per weight");
    }

    @Test
    void lossAwareBudgetMeasuresOnceAndRefusesBelowItsFloor() throws Exception {
        Path out = dir.resolve("kl.gguf"), sens = dir.resolve("kl.sens");
        CliRunner r = CliRunner.run("quantize", "--model", stories(), "--type", "Q4_K_M", "--calib", calib(), "--budget-chunks", "2", "--calib-ctx", "32",
                "--target-size", "300000", "--sensitivities", sens.toString(), "--out", out.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        var o = JSON.readTree(r.out());
        assertThat(o.get("sensitivity").asText()).isEqualTo("kl");
        assertThat(Files.size(out)).isLessThanOrEqualTo(300000);
        // the whole-plan search reports its starts and rounds; what it keeps is never worse than the first-order plan
        List<String> search = new java.util.ArrayList<>();
        o.get("budget_search").forEach(n -> search.add(n.asText()));
        assertThat(search).anyMatch(l -> l.startsWith("start Q2_K:")).anyMatch(l -> l.startsWith("start Q8_0:"));
        String first = search.stream().filter(l -> l.startsWith("start first-order:")).findFirst().orElseThrow();
        assertThat(search.getLast()).startsWith("chosen: loss");
        assertThat(lossIn(search.getLast())).isLessThanOrEqualTo(lossIn(first));
        // the token embedding is chosen too (not left at the mixture's Q8_0 fallback)
        assertThat(Files.readString(sens)).contains("token_embd.weight Q4_0 ").contains("token_embd.weight Q8_0 ");
        // a second budget reads the measured file instead of measuring again
        Path out2 = dir.resolve("kl2.gguf");
        r = CliRunner.run("quantize", "--model", stories(), "--type", "Q4_K_M", "--calib", calib(), "--target-size", "400000", "--budget-rounds", "0",
                "--sensitivities", sens.toString(), "--out", out2.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).doesNotContain("sensitivity").doesNotContain("budget search");
        assertThat(Files.size(out2)).isLessThanOrEqualTo(400000).isGreaterThanOrEqualTo(Files.size(out));
        Path small = dir.resolve("kl-small.gguf");
        assertCleanFailure(CliRunner.run("quantize", "--model", stories(), "--type", "Q4_K_M", "--calib", calib(), "--target-bpw", "2.0", "--out", small.toString()),
                small, "--target-bpw 2.000 is below what", "its floor is", "bits per weight");
    }

    @Test
    void budgetJudgedByNllOnItsOwnCalibrationText() throws Exception {
        // the second half of the sample: text other than the --calib chunks
        String sample = Files.readString(Path.of(calib()));
        Path other = dir.resolve("other.txt"), out = dir.resolve("nll.gguf");
        Files.writeString(other, sample.substring(sample.length() / 2));
        CliRunner r = CliRunner.run("quantize", "--model", stories(), "--type", "Q4_K_M", "--calib", calib(), "--budget-calib", other.toString(),
                "--budget-loss", "nll", "--budget-second-half", "--budget-chunks", "2", "--calib-ctx", "32", "--budget-rounds", "1", "--target-size", "300000", "--out", out.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        var o = JSON.readTree(r.out());
        assertThat(o.get("sensitivity").asText()).isEqualTo("nll");
        assertThat(o.get("budget_calib").asText()).isEqualTo(other.toString());
        assertThat(o.get("budget_first_position").asInt()).isEqualTo(16);
        assertThat(Files.size(out)).isLessThanOrEqualTo(300000);
        List<String> search = new java.util.ArrayList<>();
        o.get("budget_search").forEach(n -> search.add(n.asText()));
        String first = search.stream().filter(l -> l.startsWith("start first-order:")).findFirst().orElseThrow();
        assertThat(lossIn(search.getLast())).isLessThanOrEqualTo(lossIn(first));
        // the budget text is what the sensitivities read: a too-short one is named, not --calib
        Path tiny = dir.resolve("tiny.txt"), bad = dir.resolve("bad.gguf");
        Files.writeString(tiny, "Once upon a time.");
        assertCleanFailure(CliRunner.run("quantize", "--model", stories(), "--type", "Q4_K_M", "--calib", calib(), "--budget-calib", tiny.toString(),
                "--target-size", "300000", "--out", bad.toString()), bad, tiny.toString(), "fewer than one chunk");
        assertCleanFailure(CliRunner.run("quantize", "--model", stories(), "--type", "Q4_K_M", "--calib", calib(), "--budget-loss", "mse",
                "--target-size", "300000", "--out", bad.toString()), bad, "--budget-loss mse", "kl or nll");
        assertCleanFailure(CliRunner.run("quantize", "--model", stories(), "--type", "Q4_K_M", "--budget-calib", other.toString(),
                "--target-size", "300000", "--out", bad.toString()), bad, "--budget-calib needs --calib");
    }

    /** The figure after "loss " in a budget search line. */
    private static double lossIn(String line) {
        return Double.parseDouble(line.substring(line.indexOf("loss ") + 5).split("[ ,]")[0]);
    }

    @Test
    void awqNeedsCalibrationAndWritesScaledGroups() throws Exception {
        Path out = dir.resolve("awq.gguf");
        assertCleanFailure(CliRunner.run("quantize", "--model", stories(), "--type", "Q4_0", "--method", "awq", "--out", out.toString()), out, "--calib");
        CliRunner r = CliRunner.run("quantize", "--model", stories(), "--type", "Q4_0", "--method", "awq", "--calib", calib(), "--chunks", "2", "--calib-ctx", "64", "--out", out.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        var groups = JSON.readTree(r.out()).get("awq");
        assertThat(groups).hasSize(4 * 5); // four groups in each of stories260K's 5 blocks
        for (var g : groups) assertThat(g.get("error").asDouble()).isLessThanOrEqualTo(g.get("rtn_error").asDouble());
    }

    private void assertCleanFailure(CliRunner r, Path noOutput, String... fragments) {
        assertThat(r.code()).isNotZero();
        assertThat(r.out()).isEmpty();
        String err = r.err().strip();
        assertThat(err.lines().count()).as("one line: %s", err).isEqualTo(1);
        assertThat(err).doesNotContain("Exception").doesNotContain("\tat ");
        for (String f : fragments) assertThat(err).contains(f);
        assertThat(noOutput).doesNotExist();
        try (var s = Files.list(noOutput.getParent())) {
            assertThat(s.filter(p -> p.getFileName().toString().startsWith(noOutput.getFileName().toString()))).isEmpty();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void unknownType() {
        Path out = dir.resolve("x.gguf");
        assertCleanFailure(CliRunner.run("quantize", "--model", stories(), "--type", "Q9_9", "--out", out.toString()), out, "Q9_9", "Q4_K_M");
    }

    @Test
    void imatrixFromAnotherModel() {
        Path im = dir.resolve("other.imatrix.gguf"), out = dir.resolve("y.gguf");
        ImatrixFile.write(new Imatrix(Map.of("blk.0.attn_q.weight", new Imatrix.Entry(new float[256], 10)), "other.txt", 1, 10), im);
        assertCleanFailure(CliRunner.run("quantize", "--model", stories(), "--type", "Q4_0", "--imatrix", im.toString(), "--out", out.toString()),
                out, im.toString(), "another model", "blk.0.attn_q.weight");
        Path im2 = dir.resolve("names.imatrix.gguf");
        ImatrixFile.write(new Imatrix(Map.of("blk.9.attn_q.weight", new Imatrix.Entry(new float[64], 10)), "other.txt", 1, 10), im2);
        assertCleanFailure(CliRunner.run("quantize", "--model", stories(), "--type", "Q4_0", "--imatrix", im2.toString(), "--out", out.toString()),
                out, im2.toString(), "another model");
    }

    @Test
    void calibrationTextTooShort() throws Exception {
        Path text = dir.resolve("short.txt"), out = dir.resolve("z.imatrix.gguf");
        Files.writeString(text, "Once upon a time there was a cat.");
        assertCleanFailure(CliRunner.run("imatrix", "--model", stories(), "--calib", text.toString(), "--ctx", "128", "--out", out.toString()),
                out, text.toString(), "fewer than one chunk of 128");
        Path q = dir.resolve("g.gguf");
        assertCleanFailure(CliRunner.run("quantize", "--model", stories(), "--type", "Q4_0", "--method", "gptq", "--calib", text.toString(), "--out", q.toString()),
                q, text.toString(), "fewer than one chunk");
    }

    @Test
    void badTensorTypeOverride() {
        Path out = dir.resolve("o.gguf");
        assertCleanFailure(CliRunner.run("quantize", "--model", stories(), "--type", "Q4_0", "--tensor-type", "attn_v=Q7_0", "--out", out.toString()),
                out, "attn_v=Q7_0");
    }
}
