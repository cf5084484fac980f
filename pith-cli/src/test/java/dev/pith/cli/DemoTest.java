package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The self-contained demo runs every stage on the JDK's own sources, here shortened to seconds. */
class DemoTest {
    @TempDir Path dir;

    @Test
    void everyStageRunsAndReports() throws Exception {
        CliRunner r = CliRunner.run("demo", "--work", dir.toString(), "--steps", "12", "--corpus-bytes", "120000", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(r.out());
        List<String> names = new ArrayList<>();
        for (JsonNode s : report.get("stages")) names.add(s.get("stage").asText());
        assertThat(names).containsExactly("data", "tokenizer", "train", "eval F32", "generate", "quantize Q8_0", "eval Q8_0", "quantize Q4_0", "eval Q4_0",
                "quantize Q4_K_M", "eval Q4_K_M", "quantize GPTQ", "eval GPTQ", "bench Q4_0", "finetune LoRA", "distill", "eval student", "prune 2:4", "eval 2:4", "curate");
        JsonNode stages = report.get("stages");
        // GPTQ writes a Q4_0 file of exactly round-to-nearest's size that scores finitely; the bench measures both phases
        assertThat(stages.get(11).get("bytes").asLong()).isEqualTo(stages.get(7).get("bytes").asLong());
        assertThat(stages.get(12).get("ppl").asDouble()).isFinite().isGreaterThan(1);
        assertThat(stages.get(13).get("prompt_tokens_per_second").asDouble()).isPositive();
        assertThat(stages.get(13).get("gen_tokens_per_second").asDouble()).isPositive();
        double f32 = stages.get(3).get("ppl").asDouble(), q8 = stages.get(6).get("ppl").asDouble(), q4 = stages.get(8).get("ppl").asDouble();
        // 12 steps do not train much, but the loss must be finite and quantization must shrink the file.
        assertThat(stages.get(2).get("val_loss").asDouble()).isFinite().isPositive();
        assertThat(f32).isFinite().isGreaterThan(1);
        assertThat(q8).isCloseTo(f32, org.assertj.core.data.Percentage.withPercentage(5));
        assertThat(q4).isFinite();
        // every shrunk model is also compared with F32's log-probabilities (llama.cpp's --kl-divergence)
        assertThat(stages.get(3).has("kld")).isFalse();
        assertThat(stages.get(6).get("kld").asDouble()).isNotNegative().isLessThan(stages.get(8).get("kld").asDouble());
        assertThat(stages.get(6).get("same_top").asDouble()).isGreaterThan(0.5).isLessThanOrEqualTo(1.0);
        assertThat(stages.get(6).get("detail").asText()).contains("against F32: KL divergence");
        assertThat(stages.get(5).get("bytes").asLong()).isLessThan(stages.get(3).get("bytes").asLong());
        assertThat(Files.exists(dir.resolve("run/model.gguf"))).isTrue();
        // the LoRA stage adapts the model to its new text: held-out loss goes down
        assertThat(stages.get(10).get("ppl").asDouble()).as("Q4_K_M perplexity").isFinite().isGreaterThan(1);
        JsonNode lora = stages.get(14);
        assertThat(lora.get("val_loss").asDouble()).isFinite().isLessThan(lora.get("base_val_loss").asDouble());
        assertThat(Files.exists(dir.resolve("run/lora/adapter.gguf"))).isTrue();
        assertThat(stages.get(15).get("parameters").asLong()).isLessThan(stages.get(15).get("teacher_parameters").asLong() / 2);
        assertThat(stages.get(16).get("ppl").asDouble()).isFinite().isGreaterThan(1);
        JsonNode curate = stages.get(19);
        assertThat(curate.get("documents_in").asLong()).isGreaterThan(300);
        assertThat(curate.get("documents_kept").asLong()).isPositive().isLessThanOrEqualTo(curate.get("documents_in").asLong());
        assertThat(Files.lines(dir.resolve("curated/kept.jsonl")).count()).isEqualTo(curate.get("documents_kept").asLong());
        // 2:4 keeps at most half of the block weights, so fewer non-zeros than parameters; the pruned model still scores finitely
        assertThat(stages.get(17).get("nonzero_after").asLong()).isPositive().isLessThan(stages.get(17).get("params_after").asLong());
        assertThat(stages.get(18).get("ppl").asDouble()).isFinite().isGreaterThan(1);
    }
}
