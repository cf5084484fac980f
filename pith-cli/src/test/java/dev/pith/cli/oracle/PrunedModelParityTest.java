package dev.pith.cli.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Structurally pruned models (uniform MLP width, fewer blocks, fewer key/value head groups, a
 * narrower residual stream: the last two have query width ≠ embedding width, told by GGUF's
 * key_length) are ordinary Llama GGUFs: llama.cpp loads them and scores a text with the same
 * perplexity as Pith.
 */
class PrunedModelParityTest {
    @TempDir Path dir;

    @Test
    void llamaCppRunsWidthAndDepthPrunedModels() throws IOException {
        LlamaCppOracle oracle = new LlamaCppOracle();
        Path shared = Path.of(System.getProperty("pith.shared"), "data");
        String model = shared.resolve("models/stories260K-f32.gguf").toString(), calib = shared.resolve("text/tinystories-sample.txt").toString();
        String text = shared.resolve("text/wikitext-2-test.txt").toString();
        String[][] runs = {{"--structured", "mlp", "--ratio", "0.25"}, {"--structured", "layers", "--remove", "2"},
                {"--structured", "heads", "--ratio", "0.25"}, {"--structured", "embedding", "--ratio", "0.25"}};
        for (String[] how : runs) {
            Path out = dir.resolve(how[1] + ".gguf");
            String[] args = {"prune", "--model", model, "--calib", calib, "--calib-tokens", "512", "--out", out.toString(), "--json", how[0], how[1], how[2], how[3]};
            LlamaCppParityTest.pith(args);
            JsonNode ref = oracle.run(1, "perplexity", "--model", out.toString(), "--file", text, "--ctx", "128", "--chunks", "10", "--kv-type", "f32", "--flash-attn", "off");
            JsonNode got = LlamaCppParityTest.pith("perplexity", "--model", out.toString(), "--file", text, "--ctx", "128", "--chunks", "10", "--json");
            double want = ref.get("ppl").asDouble(), have = got.get("ppl").asDouble();
            assertThat(Math.abs(have / want - 1)).as("%s: Pith %s, llama.cpp %s", how[1], have, want).isLessThan(1e-3);
        }
    }
}
