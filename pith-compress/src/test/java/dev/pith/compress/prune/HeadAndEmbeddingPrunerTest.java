package dev.pith.compress.prune;

import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.runtime.Transformer;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Head and embedding-channel pruning on the real stories260K model. */
class HeadAndEmbeddingPrunerTest {
    static final int[] PROMPT = {1, 400, 37, 90, 211};

    /** Removing a key/value group equals keeping it with its query heads' attn_output columns zeroed. */
    @Test
    void headPruningEqualsZeroingTheRemovedHeadsOutput() {
        try (Model m = PruneFixtures.stories260k()) {
            var c = m.config();
            HeadPruner.Result r = HeadPruner.prune(m, 0.25, PruneFixtures.calibration(m, 4, 32));
            int perGroup = c.heads() / c.kvHeads(), hd = c.headDim(), qDim = c.qDim();
            assertThat(r.model().config().kvHeads()).isEqualTo(c.kvHeads() - 1);
            assertThat(r.model().config().heads()).isEqualTo(c.heads() - perGroup);
            Map<String, Tensor> zeroed = new LinkedHashMap<>(m.tensors());
            for (int l = 0; l < c.layers(); l++) {
                String name = "blk." + l + ".attn_output.weight";
                Tensor wo = m.tensor(name);
                float[] w = ModelEdit.floats(wo);
                for (int g = 0; g < c.kvHeads(); g++) {
                    if (contains(r.keptGroups()[l], g)) continue;
                    for (int row = 0; row < wo.rows(); row++)
                        for (int j = g * perGroup * hd; j < (g + 1) * perGroup * hd; j++) w[row * qDim + j] = 0;
                }
                zeroed.put(name, ModelEdit.f32(name, w, wo.rows(), qDim));
            }
            float[] a = new Transformer(r.model()).forward(PROMPT), b = new Transformer(ModelEdit.with(m, c, zeroed)).forward(PROMPT);
            for (int i = 0; i < a.length; i++) assertThat(a[i]).isCloseTo(b[i], org.assertj.core.data.Offset.offset(1e-3f));
        }
    }

    /** Every tensor that touches the residual stream loses the same channels; the model runs. */
    @Test
    void embeddingPruningCutsTheResidualStreamEverywhere() {
        try (Model m = PruneFixtures.stories260k()) {
            EmbeddingPruner.Result r = EmbeddingPruner.prune(m, 0.25, PruneFixtures.calibration(m, 4, 32));
            int dim = m.config().dim(), keep = dim - 16;
            assertThat(r.model().config().dim()).isEqualTo(keep);
            assertThat(r.kept()).hasSize(keep);
            assertThat(r.model().tensor("token_embd.weight").cols()).isEqualTo(keep);
            assertThat(r.model().tensor("output_norm.weight").elementCount()).isEqualTo(keep);
            assertThat(r.model().tensor("blk.0.attn_q.weight").cols()).isEqualTo(keep);
            assertThat(r.model().tensor("blk.0.attn_output.weight").rows()).isEqualTo(keep);
            assertThat(r.model().tensor("blk.0.ffn_down.weight").rows()).isEqualTo(keep);
            // a kept channel's embedding column is the original one
            float[] before = ModelEdit.floats(m.tensor("token_embd.weight")), after = ModelEdit.floats(r.model().tensor("token_embd.weight"));
            for (int i = 0; i < keep; i++) assertThat(after[7 * keep + i]).isEqualTo(before[7 * dim + r.kept()[i]]);
            PruneFixtures.assertFinite(r.model());
        }
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) if (x == v) return true;
        return false;
    }
}
