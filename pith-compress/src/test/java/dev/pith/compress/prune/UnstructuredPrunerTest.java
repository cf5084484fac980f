package dev.pith.compress.prune;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.runtime.Transformer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every method on the real stories260K model: the pattern and the sparsity hold in the written tensors, and the model still runs. */
class UnstructuredPrunerTest {

    @Test
    void nmPatternHoldsInEveryMatrixForEveryMethod() {
        try (Model m = PruneFixtures.stories260k()) {
            int[][] calib = PruneFixtures.calibration(m, 4, 32);
            for (Method method : Method.values()) {
                UnstructuredPruner.Result r = UnstructuredPruner.prune(m, method, Sparsity.pattern("2:4"), calib, null);
                assertThat(r.tensors()).hasSize(7 * m.config().layers());
                for (TensorSparsity ts : r.tensors()) {
                    float[] w = ModelEdit.floats(r.model().tensor(ts.name()));
                    for (int g = 0; g < w.length; g += 4) {
                        int nonzero = 0;
                        for (int k = 0; k < 4; k++) if (w[g + k] != 0) nonzero++;
                        assertThat(nonzero).as("%s %s group %d", method, ts.name(), g / 4).isLessThanOrEqualTo(2);
                    }
                    boolean[] mask = r.masks().get(ts.name());
                    for (int g = 0; g < mask.length; g += 4) {
                        int pruned = 0;
                        for (int k = 0; k < 4; k++) if (mask[g + k]) pruned++;
                        assertThat(pruned).isEqualTo(2);
                    }
                }
                assertFinite(r.model());
            }
        }
    }

    @Test
    void unstructuredSparsityIsExactPerComparisonGroup() {
        try (Model m = PruneFixtures.stories260k()) {
            int[][] calib = PruneFixtures.calibration(m, 4, 32);
            Sparsity s = Sparsity.unstructured(0.5);
            for (Method method : Method.values()) {
                UnstructuredPruner.Result r = UnstructuredPruner.prune(m, method, s, calib, null);
                for (TensorSparsity ts : r.tensors()) {
                    long masked = 0;
                    for (boolean b : r.masks().get(ts.name())) if (b) masked++;
                    long expected = method == Method.WANDA ? (long) ts.rows() * s.prunedOf(ts.cols())
                            : method == Method.MAGNITUDE ? s.prunedOf(ts.rows() * ts.cols())
                            : blocks(ts, s);
                    assertThat(masked).as("%s %s", method, ts.name()).isEqualTo(expected);
                    assertThat(PruneFixtures.zeros(ModelEdit.floats(r.model().tensor(ts.name())))).isGreaterThanOrEqualTo(masked);
                }
                assertFinite(r.model());
            }
        }
    }

    /** SparseGPT chooses per block of 128 columns. */
    private static long blocks(TensorSparsity ts, Sparsity s) {
        long n = 0;
        for (int i = 0; i < ts.cols(); i += SparseGpt.BLOCK) n += s.prunedOf(ts.rows() * Math.min(SparseGpt.BLOCK, ts.cols() - i));
        return n;
    }

    @Test
    void aPatternThatDoesNotDivideTheRowsIsRefusedBeforeAnyWork() {
        try (Model m = PruneFixtures.stories260k()) {
            assertThatThrownBy(() -> UnstructuredPruner.prune(m, Method.MAGNITUDE, Sparsity.pattern("2:7"), null, null))
                    .isInstanceOf(PithException.class).hasMessageContaining("2:7").hasMessageContaining("blk.0.attn_q.weight");
        }
    }

    static void assertFinite(Model m) {
        Transformer t = new Transformer(m);
        float[] logits = t.forward(new int[] {1, 300, 301, 302});
        for (float v : logits) assertThat(Float.isFinite(v)).isTrue();
    }
}
