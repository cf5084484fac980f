package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** pith finetune and pith merge end to end on stories260K, and their bad input: one sentence, non-zero exit, nothing written. */
class FinetuneTest {
    static final String BASE = CliRunner.shared("models/stories260K-f32.gguf").toString();
    static final String TEXT = CliRunner.shared("text/tinyshakespeare.txt").toString();
    static final String[] QUICK = {"--steps", "3", "--batch", "2", "--seq-len", "32", "--eval-batches", "1", "--json"};
    @TempDir static Path dir;
    static Path adapter;

    @BeforeAll
    static void trainAnAdapter() {
        adapter = dir.resolve("lora");
        CliRunner r = run("finetune", "--model", BASE, "--data", TEXT, "--lora-rank", "2", "--targets", "q,v", "--out", adapter.toString());
        assertThat(r.code()).as(r.err()).isZero();
    }

    static CliRunner run(String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + (args[0].equals("finetune") ? QUICK.length : 0));
        if (args[0].equals("finetune")) System.arraycopy(QUICK, 0, all, args.length, QUICK.length);
        return CliRunner.run(all);
    }

    private static void assertCleanFailure(CliRunner r, Path notWritten, String... fragments) {
        assertThat(r.code()).isNotZero();
        assertThat(r.out()).isEmpty();
        String err = r.err().strip();
        assertThat(err.lines().count()).as("one line: %s", err).isEqualTo(1);
        assertThat(err).doesNotContain("Exception").doesNotContain("\tat ");
        for (String f : fragments) assertThat(err).contains(f);
        if (notWritten != null) assertThat(notWritten).doesNotExist();
    }

    @Test
    void loraWritesPeftAndGgufAdaptersAndReportsItsShare() throws IOException {
        JsonNode cfg = new ObjectMapper().readTree(adapter.resolve("adapter_config.json").toFile());
        assertThat(cfg.get("r").asInt()).isEqualTo(2);
        assertThat(cfg.get("lora_alpha").asDouble()).isEqualTo(4.0);
        assertThat(cfg.get("target_modules").toString()).isEqualTo("[\"q_proj\",\"v_proj\"]");
        assertThat(adapter.resolve("adapter_model.safetensors")).exists();
        assertThat(adapter.resolve("adapter.gguf")).exists();
    }

    @Test
    void baselinesTrainTheParametersTheyName() throws IOException {
        for (String[] method : new String[][] {{"--full"}, {"--train-last", "2"}, {"--freeze", "token_embd|blk\\.[0-2]\\."}}) {
            Path out = dir.resolve("m" + method[0]);
            String[] args = new String[] {"finetune", "--model", BASE, "--data", TEXT, "--out", out.toString()};
            String[] all = java.util.Arrays.copyOf(args, args.length + method.length);
            System.arraycopy(method, 0, all, args.length, method.length);
            CliRunner r = run(all);
            assertThat(r.code()).as(r.err()).isZero();
            JsonNode o = new ObjectMapper().readTree(r.out());
            long trainable = o.get("trainable_parameters").asLong(), total = o.get("base_parameters").asLong();
            if (method[0].equals("--full")) assertThat(trainable).isEqualTo(total);
            else assertThat(trainable).isBetween(1L, total - 1);
            assertThat(out.resolve("model.gguf")).exists();
        }
    }

    @Test
    void instructionPairsTrainAndABadLineIsNamed() throws IOException {
        Path good = dir.resolve("good.jsonl"), bad = dir.resolve("bad.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 40; i++) sb.append("{\"instruction\":\"Tell a story about a cat number ").append(i).append(".\",\"response\":\"Once upon a time there was a cat. It was happy.\"}\n");
        Files.writeString(good, sb);
        CliRunner ok = run("finetune", "--model", BASE, "--data", good.toString(), "--lora-rank", "2", "--out", dir.resolve("inst").toString());
        assertThat(ok.code()).as(ok.err()).isZero();
        Files.writeString(bad, "{\"prompt\":\"a\",\"response\":\"b\"}\n{\"question\":\"a\",\"answer\":\"b\"}\n");
        assertCleanFailure(run("finetune", "--model", BASE, "--data", bad.toString(), "--out", dir.resolve("bad").toString()),
                dir.resolve("bad"), bad.toString(), "line 2", "\"instruction\"", "\"response\"");
    }

    @Test
    void rankLargerThanTheLayer() {
        assertCleanFailure(run("finetune", "--model", BASE, "--data", TEXT, "--lora-rank", "65", "--out", dir.resolve("r").toString()),
                dir.resolve("r"), "--lora-rank 65", "larger than blk.0.attn_q.weight");
    }

    @Test
    void targetsThatMatchNothing() {
        assertCleanFailure(run("finetune", "--model", BASE, "--data", TEXT, "--targets", "q,mlp", "--out", dir.resolve("t").toString()),
                dir.resolve("t"), "'mlp' matches no projection");
        assertCleanFailure(run("finetune", "--model", BASE, "--data", TEXT, "--freeze", "nothing_is_called_this", "--out", dir.resolve("f").toString()),
                dir.resolve("f"), "--freeze", "matches no tensor");
    }

    @Test
    void adapterForAnotherBaseModel() {
        Path tok = dir.resolve("tok.json"), other = dir.resolve("other");
        CliRunner t = CliRunner.run("train", "--preset", "tiny", "--data", TEXT, "--tokenizer", "char", "--steps", "1", "--batch", "1",
                "--seq-len", "16", "--eval-batches", "1", "--out", other.toString(), "--json");
        assertThat(t.code()).as(t.err()).isZero();
        Path merged = dir.resolve("merged.gguf");
        String model = other.resolve("model.gguf").toString();
        assertCleanFailure(CliRunner.run("merge", "--model", model, "--adapter", adapter.toString(), "--out", merged.toString()),
                merged, adapter.toString(), model, "another base model");
        assertCleanFailure(CliRunner.run("generate", "--model", model, "--adapter", adapter.resolve("adapter.gguf").toString(), "--prompt", "a"),
                null, "adapter.gguf", "another base model");
    }

    @Test
    void mergeWritesAModelThatRunsAndRequantizes() {
        Path merged = dir.resolve("merged-q8.gguf");
        CliRunner r = CliRunner.run("merge", "--model", BASE, "--adapter", adapter.toString(), "--out", merged.toString(), "--type", "q8_0", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        CliRunner g = CliRunner.run("generate", "--model", merged.toString(), "--prompt", "Once", "-n", "4", "--temperature", "0", "--json");
        assertThat(g.code()).as(g.err()).isZero();
    }

    @Test
    void adaLoraEndsAtItsTargetRankAndItsAdaptersMergeAndRun() throws IOException {
        Path out = dir.resolve("ada");
        // with 3 steps the cubic schedule alone ends at 72 (70 + 70/3³, PEFT's formula); --tfinal 1 fixes the target for the last step
        CliRunner r = run("finetune", "--model", BASE, "--data", TEXT, "--adalora", "--init-rank", "4", "--target-rank", "2", "--tfinal", "1", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertThat(o.path("method").asText()).isEqualTo("adalora");
        assertThat(o.path("rank_in_use").asInt()).isEqualTo(o.path("rank_budget_target").asInt()).isEqualTo(o.path("rank_budget_last_step").asInt()).isEqualTo(2 * 7 * 5);
        assertThat(o.path("rank_budget_initial").asInt()).isEqualTo(4 * 7 * 5);
        JsonNode cfg = new ObjectMapper().readTree(out.resolve("adapter_config.json").toFile());
        assertThat(cfg.path("peft_type").asText()).isEqualTo("ADALORA");
        assertThat(cfg.path("rank_pattern").size()).isEqualTo(7 * 5);
        for (String a : new String[] {out.toString(), out.resolve("adapter.gguf").toString()}) {
            Path merged = dir.resolve("ada-merged-" + a.hashCode() + ".gguf");
            CliRunner m = CliRunner.run("merge", "--model", BASE, "--adapter", a, "--out", merged.toString(), "--json");
            assertThat(m.code()).as(m.err()).isZero();
        }
        CliRunner g = CliRunner.run("generate", "--model", BASE, "--adapter", out.toString(), "--prompt", "Once", "-n", "4", "--temperature", "0", "--json");
        assertThat(g.code()).as(g.err()).isZero();
        assertCleanFailure(run("finetune", "--model", BASE, "--data", TEXT, "--adalora", "--init-rank", "2", "--target-rank", "3", "--out", dir.resolve("ada-bad").toString()),
                dir.resolve("ada-bad"), "--target-rank");
    }

    @Test
    void adaLoraRunsResumeWithTheirAllocationState() throws IOException {
        Path out = dir.resolve("ada-resume");
        String[] ada = {"finetune", "--model", BASE, "--data", TEXT, "--adalora", "--init-rank", "4", "--target-rank", "2", "--tfinal", "1", "--lora-dropout", "0.1", "--out", out.toString()};
        assertThat(run(ada).code()).isZero();
        byte[] adapterBefore = Files.readAllBytes(out.resolve("adapter_model.safetensors"));
        // resuming the finished run restores weights, masks and averages: nothing left to train, the same adapter again
        CliRunner r = run(concat(ada, new String[] {"--resume"}));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(new ObjectMapper().readTree(r.out()).path("rank_in_use").asInt()).isEqualTo(2 * 7 * 5);
        assertThat(Files.readAllBytes(out.resolve("adapter_model.safetensors"))).isEqualTo(adapterBefore);
        // a plain LoRA checkpoint is not an AdaLoRA run's: refused with one sentence (AdaLoraResumeTest: one without the allocation state)
        assertCleanFailure(run("finetune", "--model", BASE, "--data", TEXT, "--adalora", "--init-rank", "2", "--target-rank", "1", "--out", adapter.toString(), "--resume"),
                null, "not a checkpoint of this run");
    }

    @Test
    void generateRunsSeveralAdaptersUnmergedAndUsesTheChosenOne() throws IOException {
        Path two = dir.resolve("lora-two");
        CliRunner t = run("finetune", "--model", BASE, "--data", TEXT, "--lora-rank", "4", "--targets", "o,down", "--lr", "5e-2", "--out", two.toString());
        assertThat(t.code()).as(t.err()).isZero();
        Path merged = dir.resolve("two-merged.gguf");
        assertThat(CliRunner.run("merge", "--model", BASE, "--adapter", two.toString(), "--out", merged.toString()).code()).isZero();
        String[] gen = {"--prompt", "Once upon", "-n", "8", "--temperature", "0", "--json"};
        String viaMerged = text(CliRunner.run(concat(new String[] {"generate", "--model", merged.toString()}, gen)));
        String base = text(CliRunner.run(concat(new String[] {"generate", "--model", BASE}, gen)));
        String[] both = {"generate", "--model", BASE, "--adapter", "one=" + adapter, "--adapter", "two=" + two};
        assertThat(text(CliRunner.run(concat(concat(both, new String[] {"--use", "two"}), gen)))).isEqualTo(viaMerged);
        assertThat(text(CliRunner.run(concat(concat(both, new String[] {"--use", "none"}), gen)))).isEqualTo(base);
        assertCleanFailure(CliRunner.run(concat(concat(both, new String[] {"--use", "three"}), gen)), null, "--use 'three'");
    }

    private static String text(CliRunner r) throws IOException {
        assertThat(r.code()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out()).path("text").asText();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void resumeContinuesAFineTuneFromItsCheckpoint() throws IOException {
        Path out = dir.resolve("resumed");
        assertThat(run("finetune", "--model", BASE, "--data", TEXT, "--lora-rank", "2", "--out", out.toString()).code()).isZero();
        assertCleanFailure(run("finetune", "--model", BASE, "--data", TEXT, "--lora-rank", "2", "--out", out.toString()), null, "--resume");
        CliRunner r = CliRunner.run("finetune", "--model", BASE, "--data", TEXT, "--lora-rank", "2", "--out", out.toString(), "--resume",
                "--steps", "5", "--batch", "2", "--seq-len", "32", "--eval-batches", "1", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertThat(o.path("steps").asInt()).isEqualTo(5);
        assertThat(Files.readAllLines(out.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"step\"")).count()).isGreaterThanOrEqualTo(5);
        assertCleanFailure(run("finetune", "--model", BASE, "--data", TEXT, "--out", dir.resolve("nothing-here").toString(), "--resume"),
                null, "no checkpoint to resume from");
    }
}
