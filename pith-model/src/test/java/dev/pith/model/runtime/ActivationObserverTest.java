package dev.pith.model.runtime;

import dev.pith.core.kernel.MatMul;
import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.TestData;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The observer sees what the forward pass computes: the embedding rows, the normed inputs of the projections, every product once per batch. */
class ActivationObserverTest {
    @Test
    void observerSeesEveryProductInputAndTheHiddenStates() {
        try (Model m = Models.load(TestData.model("stories260K-f32.gguf"))) {
            var c = m.config();
            int[] tokens = m.tokenizer().encode("Once upon a time", true, true);
            int n = tokens.length;
            Map<String, float[]> inputs = new LinkedHashMap<>();
            List<float[]> hidden = new ArrayList<>();
            Transformer t = new Transformer(m, RuntimeOptions.defaults().withReference(true));
            t.observe(new ActivationObserver() {
                @Override public void linearInput(String weight, float[] x, int rows, int cols) {
                    assertThat(rows).isEqualTo(n);
                    assertThat(inputs.put(weight, java.util.Arrays.copyOf(x, rows * cols))).as(weight + " seen once").isNull();
                }
                @Override public void hiddenState(int layer, float[] x, int rows, int dim) {
                    assertThat(layer).isEqualTo(hidden.size());
                    hidden.add(java.util.Arrays.copyOf(x, rows * dim));
                }
            });
            t.forwardAll(tokens);

            // 7 products per block and the output head (under the embedding's name when tied).
            String head = m.has("output.weight") ? "output.weight" : "token_embd.weight";
            assertThat(inputs.keySet()).hasSize(7 * c.layers() + 1).contains(head, "blk.0.ffn_down.weight");
            assertThat(hidden).hasSize(c.layers() + 1);

            int dim = c.dim();
            float[] emb = new float[dim], norm = new float[dim];
            MatMul.getRow(m.tensor("blk.0.attn_norm.weight"), 0, norm, 0);
            for (int i = 0; i < n; i++) {
                MatMul.getRow(m.tensor("token_embd.weight"), tokens[i], emb, 0);
                for (int j = 0; j < dim; j++) assertThat(hidden.get(0)[i * dim + j]).isEqualTo(emb[j]);
                // attn_q's input is RMSNorm(x)·g, computed here in double.
                double ss = 0;
                for (float v : emb) ss += (double) v * v;
                double inv = 1 / Math.sqrt(ss / dim + c.rmsEps());
                for (int j = 0; j < dim; j++)
                    assertThat((double) inputs.get("blk.0.attn_q.weight")[i * dim + j]).isCloseTo(emb[j] * inv * norm[j], within(1e-5));
            }
            // q, k and v read the same normed input; gate and up too.
            assertThat(inputs.get("blk.1.attn_k.weight")).containsExactly(inputs.get("blk.1.attn_q.weight"));
            assertThat(inputs.get("blk.1.ffn_up.weight")).containsExactly(inputs.get("blk.1.ffn_gate.weight"));
            assertThat(inputs.get("blk.0.ffn_down.weight")).hasSize(n * c.ffnDim());
        }
    }
}
