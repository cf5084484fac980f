package dev.pith.compress.prune;

import dev.pith.compress.calib.CalibrationText;
import dev.pith.model.Model;
import dev.pith.train.TokenSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RecoveryTest {
    @Test
    void prunedWeightsStayZeroWhileTheOthersTrain() {
        try (Model m = PruneFixtures.stories260k()) {
            UnstructuredPruner.Result pruned = UnstructuredPruner.prune(m, Method.MAGNITUDE, Sparsity.pattern("2:4"), null, null);
            int[] tokens = CalibrationText.tokens(m.tokenizer(), PruneFixtures.shared("text/tinystories-sample.txt"));
            tokens = java.util.Arrays.copyOf(tokens, 20_000);
            Recovery.Result r = Recovery.recover(pruned.model(), pruned.masks(), TokenSource.of(tokens),
                    Recovery.options(4, 4, 64, 1e-3, 1), null);
            long changed = 0;
            for (var e : pruned.masks().entrySet()) {
                float[] before = ModelEdit.floats(pruned.model().tensor(e.getKey()));
                float[] after = ModelEdit.floats(r.model().tensor(e.getKey()));
                boolean[] mask = e.getValue();
                for (int i = 0; i < mask.length; i++) {
                    if (mask[i]) assertThat(after[i]).as("%s[%d]", e.getKey(), i).isZero();
                    else if (after[i] != before[i]) changed++;
                }
            }
            assertThat(changed).as("the kept weights trained").isGreaterThan(1000);
            assertThat(r.lastLoss()).isFinite();
            assertThat(r.model().config().layers()).isEqualTo(m.config().layers());
        }
    }
}
