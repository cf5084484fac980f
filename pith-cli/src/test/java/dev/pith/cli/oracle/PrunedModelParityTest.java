package dev.pith.cli.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.cli.Main;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Structurally pruned models are plain smaller dense models: a stories260K with a quarter of every
 * SwiGLU layer's neurons removed, one with a block removed, and one with a quarter of its key/value
 * head groups removed (query width 48 of a 64-wide model: GGUF's key_length), and one with a quarter
 * of its embedding channels removed (width 48, query width 64), load in llama.cpp and give Pith's
 * top-5 tokens and logits (1e-3 relative), so the shapes and metadata Pith writes are consistent.
 */
class PrunedModelParityTest {
    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "layers", "heads", "embedding"})
    void llamaCppRunsAStructurallyPrunedModelWithPithsLogits(String kind) throws Exception {
        String shared = System.getProperty("pith.shared") + "/data";
        Path out = dir.resolve(kind + ".gguf");
        JsonNode report = pith("prune", "--model", shared + "/models/stories260K-f32.gguf", "--structured", kind,
                kind.equals("layers") ? "--remove" : "--ratio", kind.equals("layers") ? "1" : "0.25",
                "--calib", shared + "/text/tinystories-sample.txt", "--calib-seqs", "8", "--calib-len", "64", "--out", out.toString(), "--json");
        assertThat(report.get("params_after").asLong()).isLessThan(report.get("params_before").asLong());
        JsonNode info = pith("info", "--model", out.toString(), "--json");
        System.out.println("[parity] pruned " + kind + ": " + info);
        LlamaCppOracle oracle = new LlamaCppOracle();
        for (String prompt : List.of("Once upon a time", "Lily and Ben", "The girl went to the park with her mom")) {
            JsonNode ref = oracle.run(1, "logits", "--model", out.toString(), "--prompt", prompt, "--top", "5", "--kv-type", "f32", "--flash-attn", "off");
            JsonNode mine = pith("logits", "--model", out.toString(), "--prompt", prompt, "--top", "5", "--json");
            assertThat(mine.get("prompt_tokens").toString()).as("tokens of %s", prompt).isEqualTo(ref.get("prompt_ids").toString());
            for (int i = 0; i < 5; i++) {
                JsonNode a = ref.get("top").get(i), b = mine.get("top").get(i);
                assertThat(b.get("id").asInt()).as("rank %d after %s", i, prompt).isEqualTo(a.get("id").asInt());
                double want = a.get("logit").asDouble(), got = b.get("logit").asDouble();
                assertThat(Math.abs(got - want)).as("logit of %d after %s", a.get("id").asInt(), prompt).isLessThanOrEqualTo(1e-3 * Math.max(1, Math.abs(want)));
            }
        }
    }

    private static JsonNode pith(String... args) throws Exception {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = Main.run(new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8), args);
        assertThat(code).as("pith %s: %s", String.join(" ", args), e.toString(StandardCharsets.UTF_8)).isZero();
        return new ObjectMapper().readTree(o.toByteArray());
    }
}
