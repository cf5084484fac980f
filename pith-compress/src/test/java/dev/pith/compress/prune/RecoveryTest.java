package dev.pith.compress.prune;

import dev.pith.model.Model;
import dev.pith.train.TokenSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RecoveryTest {
    @Test
    void prunedWeightsStayZeroWhileTheOthersTrain() {
        try (Model m = PruneFixtures.stories260k()) {
            Model pruned = F32Model.copy(m);
            UnstructuredPruner.prune(pruned, Method.MAGNITUDE, Pattern.parse("2:4"), null, n -> {});
            java.util.Map<String, boolean[]> masks = Recovery.zeroMasks(pruned);
            int[][] seqs = PruneFixtures.calibration(m, 160, 128);
            int[] tokens = java.util.Arrays.stream(seqs).flatMapToInt(java.util.Arrays::stream).toArray();
            Recovery.Result r = Recovery.recover(pruned, masks, TokenSource.of(tokens), Recovery.options(4, 4, 64, 1e-3, 1), null);
            long changed = 0, masked = 0;
            for (var e : masks.entrySet()) {
                float[] before = ModelEdit.floats(pruned.tensor(e.getKey()));
                float[] after = ModelEdit.floats(r.model().tensor(e.getKey()));
                boolean[] mask = e.getValue();
                for (int i = 0; i < mask.length; i++) {
                    if (mask[i]) { masked++; assertThat(after[i]).as("%s[%d]", e.getKey(), i).isZero(); }
                    else if (after[i] != before[i]) changed++;
                }
            }
            assertThat(changed).as("the kept weights trained").isGreaterThan(1000);
            assertThat(masked).as("2:4 masks half of every projection").isGreaterThan(50_000);
            assertThat(r.lastLoss()).isFinite();
            assertThat(r.model().config().layers()).isEqualTo(m.config().layers());
        }
    }
}
