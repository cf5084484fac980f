package dev.pith.compress.awq;

import dev.pith.compress.calib.CalibrationText;
import dev.pith.compress.calib.LinearInputStats;
import dev.pith.compress.imatrix.ImatrixCollector;
import dev.pith.compress.prune.F32Model;
import dev.pith.core.DType;
import dev.pith.model.Model;
import dev.pith.model.Models;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * AWQ's importance vectors (for --awq-imatrix) are the mean squared inputs of the FOLDED model:
 * checked against an imatrix collected by a second calibration pass over the folded stories260K,
 * on the same chunks, for every one of the 7 matrices of every block.
 */
class AwqImportanceTest {
    @Test
    void equalsTheImatrixOfTheFoldedModel() {
        try (Model src = Models.load(AwqTest.shared("models/stories260K-f32.gguf")); Model f32 = F32Model.copy(src)) {
            List<int[]> chunks = CalibrationText.chunks(f32, AwqTest.shared("text/tinystories-sample.txt"), 64, 4);
            LinearInputStats stats = new LinearInputStats(Awq.observedWeights(f32.config()), true);
            CalibrationText.run(f32, chunks, stats, i -> {});
            Map<String, DType> targets = new HashMap<>();
            for (var t : f32.tensors().values()) if (t.rows() > 1) targets.put(t.name(), DType.Q4_0);
            List<Awq.Group> groups = Awq.apply(f32, targets, stats, new ScaleSearch(20));
            Map<String, float[]> imp = Awq.importance(groups, stats);

            ImatrixCollector after = new ImatrixCollector();
            CalibrationText.run(f32, chunks, after, i -> {});
            Map<String, float[]> ref = after.result("t", chunks.size(), 64).means();
            assertThat(imp).hasSize(7 * f32.config().layers());
            for (var e : imp.entrySet()) {
                float[] want = ref.get(e.getKey());
                assertThat(want).as(e.getKey()).isNotNull().hasSameSizeAs(e.getValue());
                for (int j = 0; j < want.length; j++) {
                    assertThat((double) e.getValue()[j]).as("%s column %d", e.getKey(), j)
                            .isCloseTo(want[j], org.assertj.core.data.Offset.offset(1e-3 * Math.abs(want[j]) + 1e-9));
                }
            }
        }
    }
}
