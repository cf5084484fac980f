package dev.pith.compress.prune;

import dev.pith.compress.calib.BlockInfluence;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.runtime.Transformer;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StructuredPrunerTest {
    static final int[] PROMPT = {1, 400, 37, 90, 211};

    @Test
    void removingLayersRenumbersAndKeepsTheOtherBlocksBytes() {
        try (Model m = PruneFixtures.stories260k()) {
            DepthPruner.Result r = DepthPruner.prune(m, 2, PruneFixtures.calibration(m, 4, 32));
            assertThat(r.removed()).hasSize(2);
            assertThat(r.model().config().layers()).isEqualTo(m.config().layers() - 2);
            // the removed blocks are the two of lowest influence
            double[] s = r.influence().clone();
            for (int l : r.removed())
                for (int k = 0; k < s.length; k++)
                    if (!contains(r.removed(), k)) assertThat(s[l]).isLessThanOrEqualTo(s[k]);
            int next = 0;
            for (int l = 0; l < m.config().layers(); l++) {
                if (contains(r.removed(), l)) continue;
                Tensor a = m.tensor("blk." + l + ".ffn_down.weight"), b = r.model().tensor("blk." + next + ".ffn_down.weight");
                assertThat(ModelEdit.floats(b)).containsExactly(ModelEdit.floats(a));
                next++;
            }
            assertThat(r.model().has("blk." + next + ".attn_q.weight")).isFalse();
            // and the smaller model equals the original model run without those blocks: same tensors, fewer layers
            UnstructuredPrunerTest.assertFinite(r.model());
        }
    }

    @Test
    void removingAsManyLayersAsExistIsRefused() {
        try (Model m = PruneFixtures.stories260k()) {
            int layers = m.config().layers();
            assertThatThrownBy(() -> DepthPruner.prune(m, layers, null)).isInstanceOf(PithException.class)
                    .hasMessageContaining("has " + layers + " layers");
            assertThatThrownBy(() -> DepthPruner.prune(m, 0, null)).isInstanceOf(PithException.class);
        }
    }

    @Test
    void blockInfluenceIsOneMinusCosineBetweenBlockInputAndOutput() {
        BlockInfluence bi = new BlockInfluence(2);
        float[] h0 = {1, 0, 0, 1}, h1 = {1, 1, 0, 2}, h2 = {-1, 0, 0, -3};
        bi.hiddenState(0, h0, 2, 2);
        bi.hiddenState(1, h1, 2, 2);
        bi.hiddenState(2, h2, 2, 2);
        double cos01a = 1 / Math.sqrt(2), cos01b = 1.0, cos12a = -1 / Math.sqrt(2), cos12b = -1.0;
        assertThat(bi.scores()[0]).isCloseTo(((1 - cos01a) + (1 - cos01b)) / 2, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(bi.scores()[1]).isCloseTo(((1 - cos12a) + (1 - cos12b)) / 2, org.assertj.core.data.Offset.offset(1e-12));
    }

    /**
     * Removing neurons must equal keeping them with their ffn_down columns zeroed (a removed neuron
     * contributes nothing), and the kept neurons are the most active ones.
     */
    @Test
    void mlpWidthPruningEqualsZeroingTheRemovedNeurons() {
        try (Model m = PruneFixtures.stories260k()) {
            int ffn = m.config().ffnDim();
            MlpPruner.Result r = MlpPruner.prune(m, 0.25, PruneFixtures.calibration(m, 4, 32));
            int keep = ffn - (int) Math.round(0.25 * ffn);
            assertThat(r.model().config().ffnDim()).isEqualTo(keep);
            Map<String, Tensor> zeroed = new LinkedHashMap<>(m.tensors());
            for (int l = 0; l < m.config().layers(); l++) {
                assertThat(r.kept()[l]).hasSize(keep);
                String name = "blk." + l + ".ffn_down.weight";
                Tensor down = m.tensor(name);
                float[] w = ModelEdit.floats(down);
                boolean[] kept = new boolean[ffn];
                for (int j : r.kept()[l]) kept[j] = true;
                for (int row = 0; row < down.rows(); row++)
                    for (int j = 0; j < ffn; j++) if (!kept[j]) w[row * ffn + j] = 0;
                zeroed.put(name, ModelEdit.f32(name, w, down.rows(), ffn));
            }
            Model reference = ModelEdit.with(m, m.config(), zeroed);
            float[] a = new Transformer(r.model()).forward(PROMPT), b = new Transformer(reference).forward(PROMPT);
            for (int i = 0; i < a.length; i++) assertThat(a[i]).isCloseTo(b[i], org.assertj.core.data.Offset.offset(1e-3f));
        }
    }

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
            UnstructuredPrunerTest.assertFinite(r.model());
        }
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) if (x == v) return true;
        return false;
    }
}
