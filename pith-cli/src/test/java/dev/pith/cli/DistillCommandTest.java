package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * pith init --tokenizer-from and pith distill end to end on the real stories260K teacher: live and
 * cached (K = vocabulary) runs agree exactly, a quantized teacher works, runs resume, caches resume,
 * and a student with another vocabulary is refused naming both files.
 */
class DistillCommandTest {
    static final Path TEACHER = CliRunner.shared("models/stories260K-f32.gguf");
    @TempDir static Path dir;
    static Path text, config, student;

    @BeforeAll
    static void student() throws Exception {
        byte[] all = Files.readAllBytes(CliRunner.shared("text/tinystories-sample.txt"));
        text = Files.write(dir.resolve("stories.txt"), java.util.Arrays.copyOf(all, 30_000));
        config = Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 32, "intermediate_size": 96,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 4, "vocab_size": 512,
                 "max_position_embeddings": 256, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": true}
                """);
        student = dir.resolve("student.gguf");
        CliRunner r = CliRunner.run("init", "--config", config.toString(), "--tokenizer-from", TEACHER.toString(), "--out", student.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Json.MAPPER.readTree(r.out()).path("vocab_size").asInt()).isEqualTo(512);
    }

    static JsonNode distill(Path out, int steps, String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("distill", "--student", student.toString(), "--data", text.toString(),
                "--steps", String.valueOf(steps), "--batch", "2", "--seq-len", "32", "--eval-every", "3", "--eval-batches", "2", "--checkpoint-every", "3",
                "--loss", "skl", "--alpha", "0.6", "--temperature", "2", "--out", out.toString(), "--json", "--threads", "2"));
        args.addAll(List.of(extra));
        CliRunner r = CliRunner.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        return Json.MAPPER.readTree(r.out());
    }

    @Test
    void cacheWithTheWholeVocabularyReproducesTheLiveRun() throws Exception {
        JsonNode live = distill(dir.resolve("live"), 6, "--teacher", TEACHER.toString());
        assertThat(live.path("teacher_parameters").asLong()).isGreaterThan(live.path("parameters").asLong());
        Path cache = dir.resolve("cache");
        CliRunner c = CliRunner.run("distill", "cache", "--teacher", TEACHER.toString(), "--data", text.toString(), "--top-k", "512",
                "--seq-len", "32", "--shard-windows", "100", "--out", cache.toString(), "--json");
        assertThat(c.code()).as(c.err()).isZero();
        JsonNode cached = distill(dir.resolve("cached"), 6, "--teacher-cache", cache.toString());
        assertThat(cached.path("val_loss").asDouble()).isEqualTo(live.path("val_loss").asDouble());
        assertThat(cached.path("train_loss").asDouble()).isEqualTo(live.path("train_loss").asDouble());
        assertThat(withoutSpeed(dir.resolve("cached/metrics.jsonl"))).isEqualTo(withoutSpeed(dir.resolve("live/metrics.jsonl")));
        assertThat(Files.readAllBytes(dir.resolve("cached/model.gguf"))).isEqualTo(Files.readAllBytes(dir.resolve("live/model.gguf")));
        // the distilled student is a model Pith runs
        CliRunner ppl = CliRunner.run("perplexity", "--model", dir.resolve("live/model.gguf").toString(), "--file", text.toString(), "--ctx", "32", "--json");
        assertThat(ppl.code()).as(ppl.err()).isZero();
        assertThat(Json.MAPPER.readTree(ppl.out()).path("ppl").asDouble()).isFinite().isGreaterThan(1);
    }

    @Test
    void anInterruptedCacheResumesAndKeepsItsShards() throws Exception {
        Path cache = dir.resolve("cache-resume");
        String[] args = {"distill", "cache", "--teacher", TEACHER.toString(), "--data", text.toString(), "--top-k", "16",
                "--seq-len", "32", "--shard-windows", "50", "--out", cache.toString(), "--json"};
        JsonNode first = Json.MAPPER.readTree(CliRunner.run(args).out());
        int shards = first.path("shards").asInt();
        assertThat(shards).isGreaterThan(2);
        byte[] shard1 = Files.readAllBytes(cache.resolve("shard-00001.bin"));
        Files.delete(cache.resolve("shard-00001.bin"));
        CliRunner again = CliRunner.run(args);
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(Json.MAPPER.readTree(again.out()).path("shards_reused").asInt()).isEqualTo(shards - 1);
        assertThat(Files.readAllBytes(cache.resolve("shard-00001.bin"))).isEqualTo(shard1);
    }

    @Test
    void aQuantizedTeacherRunsThroughTheRuntimeOnPolicyAndRunsResume() throws Exception {
        Path out = dir.resolve("q8");
        JsonNode r = distill(out, 3, "--teacher", CliRunner.shared("models/stories260K-q8_0.gguf").toString(), "--on-policy", "0.5");
        assertThat(r.path("train_loss").asDouble()).isFinite().isPositive();
        CliRunner again = CliRunner.run("distill", "--teacher", TEACHER.toString(), "--student", student.toString(), "--data", text.toString(), "--out", out.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains(out.toString()).contains("--resume");
        JsonNode resumed = distill(out, 6, "--teacher", CliRunner.shared("models/stories260K-q8_0.gguf").toString(), "--on-policy", "0.5", "--resume");
        assertThat(resumed.path("start_step").asInt()).isEqualTo(3);
        assertThat(resumed.path("steps").asInt()).isEqualTo(6);
        assertThat(Files.readAllLines(out.resolve("metrics.jsonl"))).hasSize(6);
    }

    /** Hidden-state MSE from a quantized teacher (the runtime's observer): runs, resumes, keeps the projections out of the student, refuses other settings. */
    @Test
    void hiddenStateDistillationRunsResumesAndExportsOnlyTheStudent() throws Exception {
        Path out = dir.resolve("hidden");
        String q8 = CliRunner.shared("models/stories260K-q8_0.gguf").toString();
        JsonNode r = distill(out, 3, "--teacher", q8, "--hidden-loss", "mse", "--layer-map", "1:4,0:1", "--hidden-weight", "2");
        assertThat(r.path("hidden_loss").asText()).isEqualTo("mse");
        assertThat(r.path("layer_map").asText()).isEqualTo("1:4,0:1");
        assertThat(r.path("train_loss").asDouble()).isFinite().isPositive();
        CliRunner changed = CliRunner.run("distill", "--teacher", q8, "--student", student.toString(), "--data", text.toString(), "--steps", "6",
                "--batch", "2", "--seq-len", "32", "--loss", "skl", "--alpha", "0.6", "--temperature", "2", "--hidden-loss", "mse",
                "--layer-map", "1:4,0:1", "--hidden-weight", "3", "--out", out.toString(), "--resume");
        assertThat(changed.code()).isEqualTo(1);
        assertThat(changed.err().strip()).isEqualTo("pith: " + out.resolve("checkpoint.bin")
                + " was written by a run with hidden_weight 2.0, but this run has 3.0; resume with the same settings or choose another --out.");
        JsonNode resumed = distill(out, 6, "--teacher", q8, "--hidden-loss", "mse", "--layer-map", "1:4,0:1", "--hidden-weight", "2", "--resume");
        assertThat(resumed.path("start_step").asInt()).isEqualTo(3);
        assertThat(resumed.path("parameters").asLong()).isEqualTo(r.path("parameters").asLong());
        try (var m = dev.pith.model.Models.load(out.resolve("model.gguf"))) {
            assertThat(m.tensors().keySet()).noneMatch(k -> k.startsWith("distill.")).contains("blk.1.ffn_down.weight");
        }
    }

    @Test
    void badHiddenLossSettingsAreOneSentence() throws Exception {
        String[][] cases = {
                {"--layer-map", "2:0", "--hidden-loss", "mse"}, {"--layer-map", "1:5", "--hidden-loss", "mse"},
                {"--layer-map", "1", "--hidden-loss", "mse"}, {"--layer-map", "1:1"}, {"--hidden-loss", "cosine"}};
        String[] expected = {"pith: --layer-map names student block 2, but the student has blocks 0 to 1.",
                "pith: --layer-map names teacher block 5, but the teacher has blocks 0 to 4.",
                "pith: --layer-map '1' is malformed at '1'; write student:teacher block pairs such as 3:5,1:2.",
                "pith: --layer-map and --hidden-weight apply to hidden-state distillation; add --hidden-loss mse.",
                "pith: --hidden-loss must be mse or none, not 'cosine'."};
        for (int i = 0; i < cases.length; i++) {
            List<String> args = new java.util.ArrayList<>(List.of("distill", "--teacher", TEACHER.toString(), "--student", student.toString(),
                    "--data", text.toString(), "--out", dir.resolve("never").toString()));
            args.addAll(List.of(cases[i]));
            CliRunner r = CliRunner.run(args.toArray(String[]::new));
            assertThat(r.code()).as(String.join(" ", cases[i])).isEqualTo(1);
            assertThat(r.err().strip()).isEqualTo(expected[i]);
        }
        CliRunner cached = CliRunner.run("distill", "--teacher-cache", dir.resolve("any-cache").toString(), "--student", student.toString(),
                "--data", text.toString(), "--hidden-loss", "mse", "--out", dir.resolve("never").toString());
        assertThat(cached.code()).isEqualTo(1);
        assertThat(cached.err().strip()).isEqualTo("pith: --hidden-loss matches the teacher's hidden states, which a --teacher-cache does not hold; give a live --teacher.");
        assertThat(dir.resolve("never")).doesNotExist();
    }

    @Test
    void aStudentWithAnotherVocabularyIsRefusedNamingBothFiles() throws Exception {
        Path other = dir.resolve("gpt2-student.gguf");
        CliRunner init = CliRunner.run("init", "--config", config.toString(), "--tokenizer", CliRunner.shared("tokenizers/hf/gpt2/tokenizer.json").toString(),
                "--out", other.toString());
        assertThat(init.code()).as(init.err()).isZero();
        CliRunner r = CliRunner.run("distill", "--teacher", TEACHER.toString(), "--student", other.toString(), "--data", text.toString(),
                "--out", dir.resolve("never").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains(TEACHER.toString()).contains(other.toString()).contains("vocabulary").doesNotContain("Exception");
        assertThat(dir.resolve("never")).doesNotExist();

        CliRunner noTeacher = CliRunner.run("distill", "--student", student.toString(), "--data", text.toString(), "--out", dir.resolve("never").toString());
        assertThat(noTeacher.code()).isEqualTo(1);
        assertThat(noTeacher.err()).contains("--teacher");
        CliRunner badLoss = CliRunner.run("distill", "--teacher", TEACHER.toString(), "--student", student.toString(), "--data", text.toString(),
                "--loss", "mse", "--out", dir.resolve("never").toString());
        assertThat(badLoss.err()).contains("kl, rkl, jsd or skl");
        assertThat(dir.resolve("never")).doesNotExist();
    }

    /** Sequence-level data from a local teacher: seeded, resumable, usable as training text; an empty prompt file is refused. */
    @Test
    void generateWritesTheTeachersCompletionsAndResumes() throws Exception {
        Path prompts = Files.writeString(dir.resolve("prompts.txt"), "Once upon a time\nThe cat\n\nLily saw\n");
        Path out = dir.resolve("gen.jsonl"), txt = dir.resolve("gen.txt");
        String[] args = {"distill", "generate", "--teacher", TEACHER.toString(), "--prompts", prompts.toString(), "--out", out.toString(),
                "--text-out", txt.toString(), "--max-tokens", "12", "--json"};
        CliRunner r = CliRunner.run(args);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Json.MAPPER.readTree(r.out()).path("written").asInt()).isEqualTo(3);
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(3);
        Files.write(out, lines.subList(0, 2)); // as if the run had stopped after two
        CliRunner again = CliRunner.run(args);
        assertThat(Json.MAPPER.readTree(again.out()).path("written").asInt()).isEqualTo(1);
        assertThat(Files.readAllLines(out)).containsExactlyElementsOf(lines); // seeded: the same third example
        assertThat(Files.readString(txt)).startsWith("Once upon a time").contains("Lily saw");

        Path empty = Files.writeString(dir.resolve("none.txt"), "");
        CliRunner bad = CliRunner.run("distill", "generate", "--teacher", TEACHER.toString(), "--prompts", empty.toString(), "--out", dir.resolve("never.jsonl").toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains(empty.toString()).contains("no prompts");
        assertThat(dir.resolve("never.jsonl")).doesNotExist();
    }

    static List<String> withoutSpeed(Path metrics) throws Exception {
        return Files.readAllLines(metrics, StandardCharsets.UTF_8).stream().map(l -> l.replaceAll(",\"tokens_per_second\":[^,}]*", "")).toList();
    }
}
