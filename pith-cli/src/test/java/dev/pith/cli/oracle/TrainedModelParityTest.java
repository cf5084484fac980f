package dev.pith.cli.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A model Pith trains (its own BPE tokenizer, its own weights) exported to GGUF runs in llama.cpp
 * with the same tokens and the same logits (1e-3 relative), so what Pith trains is usable there.
 */
class TrainedModelParityTest {
    @TempDir Path dir;

    @Test
    void llamaCppGivesPithsLogitsForAModelPithTrained() throws Exception {
        String text = System.getProperty("pith.shared") + "/data/text/tinyshakespeare.txt";
        Path tok = dir.resolve("tokenizer.json"), run = dir.resolve("run");
        pith("tokenizer", "train", "--in", text, "--vocab-size", "384", "--out", tok.toString(), "--json");
        pith("train", "--preset", "tiny", "--data", text, "--tokenizer", tok.toString(), "--steps", "30", "--batch", "4",
                "--seq-len", "64", "--lr", "3e-3", "--seed", "7", "--out", run.toString(), "--json");
        Path model = run.resolve("model.gguf");
        LlamaCppOracle oracle = new LlamaCppOracle();
        for (String prompt : List.of("First Citizen:", "ROMEO:\nWhat light", "To be, or not to be")) {
            JsonNode ref = oracle.run(1, "logits", "--model", model.toString(), "--prompt", prompt, "--top", "5", "--kv-type", "f32", "--flash-attn", "off");
            JsonNode mine = pith("logits", "--model", model.toString(), "--prompt", prompt, "--top", "5", "--json");
            assertThat(mine.get("prompt_tokens").toString()).as("tokens of %s", prompt).isEqualTo(ref.get("prompt_ids").toString());
            for (int i = 0; i < 5; i++) {
                JsonNode a = ref.get("top").get(i), b = mine.get("top").get(i);
                assertThat(b.get("id").asInt()).as("rank %d after %s", i, prompt).isEqualTo(a.get("id").asInt());
                double want = a.get("logit").asDouble(), got = b.get("logit").asDouble();
                assertThat(Math.abs(got - want)).as("logit of %d after %s", a.get("id").asInt(), prompt).isLessThanOrEqualTo(1e-3 * Math.max(1, Math.abs(want)));
            }
        }
    }

    static JsonNode pith(String... args) throws Exception {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = Main.run(new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8), args);
        assertThat(code).as("pith %s: %s", String.join(" ", args), e.toString(StandardCharsets.UTF_8)).isZero();
        return new ObjectMapper().readTree(o.toByteArray());
    }
}
