package dev.pith.cli.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static dev.pith.cli.oracle.TrainedModelParityTest.pith;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A LoRA adapter Pith trains on stories260K, loaded by llama.cpp as a GGUF adapter (unmerged,
 * scale 1), gives the logits Pith gives with the same adapter (GGUF file or PEFT folder), and
 * the model `pith merge` writes gives them too; the adapter really changes the model.
 */
class LoraAdapterParityTest {
    @TempDir Path dir;

    @Test
    void llamaCppAppliesPithsAdapterAsPithDoes() throws Exception {
        String base = System.getProperty("pith.shared") + "/data/models/stories260K-f32.gguf";
        String text = System.getProperty("pith.shared") + "/data/text/tinyshakespeare.txt";
        Path out = dir.resolve("ft"), merged = dir.resolve("merged.gguf");
        JsonNode ft = pith("finetune", "--model", base, "--data", text, "--lora-rank", "4", "--targets", "q,k,v,o,gate,up,down",
                "--steps", "12", "--batch", "4", "--seq-len", "64", "--lr", "5e-3", "--eval-batches", "2", "--seed", "3", "--out", out.toString(), "--json");
        assertThat(ft.get("val_loss").asDouble()).isLessThan(ft.get("base_val_loss").asDouble());
        pith("merge", "--model", base, "--adapter", out.toString(), "--out", merged.toString(), "--json");
        Path gguf = out.resolve("adapter.gguf");
        LlamaCppOracle oracle = new LlamaCppOracle();
        for (String prompt : List.of("Once upon a time", "First Citizen:")) {
            JsonNode ref = oracle.run(1, "logits", "--model", base, "--lora", gguf.toString(), "--prompt", prompt, "--top", "5", "--kv-type", "f32", "--flash-attn", "off");
            JsonNode plain = pith("logits", "--model", base, "--prompt", prompt, "--top", "5", "--json");
            assertThat(plain.get("top").get(0).get("logit").asDouble()).as("the adapter changes the logits")
                    .isNotCloseTo(ref.get("top").get(0).get("logit").asDouble(), org.assertj.core.data.Offset.offset(0.01));
            for (JsonNode mine : List.of(
                    pith("logits", "--model", base, "--adapter", gguf.toString(), "--prompt", prompt, "--top", "5", "--json"),
                    pith("logits", "--model", base, "--adapter", out.toString(), "--prompt", prompt, "--top", "5", "--json"),
                    pith("logits", "--model", merged.toString(), "--prompt", prompt, "--top", "5", "--json"))) {
                assertThat(mine.get("prompt_tokens").toString()).isEqualTo(ref.get("prompt_ids").toString());
                for (int i = 0; i < 5; i++) {
                    JsonNode a = ref.get("top").get(i), b = mine.get("top").get(i);
                    assertThat(b.get("id").asInt()).as("rank %d after %s", i, prompt).isEqualTo(a.get("id").asInt());
                    double want = a.get("logit").asDouble(), got = b.get("logit").asDouble();
                    assertThat(Math.abs(got - want)).as("logit of %d after %s", a.get("id").asInt(), prompt).isLessThanOrEqualTo(1e-4 * Math.max(1, Math.abs(want)));
                }
            }
        }
    }
}
