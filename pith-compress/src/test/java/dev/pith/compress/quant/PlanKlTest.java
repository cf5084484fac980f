package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.model.Model;
import dev.pith.model.Models;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Whole-plan KL (and NLL) on the shared stories260K: a one-tensor plan is exactly the per-tensor sensitivity, and tensors left out are put back. */
class PlanKlTest {
    @Test
    void oneTensorPlansMatchTheSensitivitiesAndDroppedTensorsAreRestored() {
        try (Model m = Models.load(LlamaQuantizeOracle.shared("data/models/stories260K-f32.gguf"))) {
            SplittableRandom rng = new SplittableRandom(3);
            List<int[]> chunks = List.of(rng.ints(16, 1, 512).toArray(), rng.ints(16, 1, 512).toArray());
            Map<String, List<Choice>> sens = LossSensitivity.measure(m, new RtnEncoder(), chunks, n -> {});
            try (PlanKl kl = new PlanKl(m, new RtnEncoder(), chunks)) {
                assertThat(kl.kl(Map.of())).isZero();
                for (String t : List.of("blk.0.attn_v.weight", "token_embd.weight")) {
                    for (Choice c : sens.get(t)) assertThat(kl.kl(Map.of(t, c.type()))).as(t + " " + c.type()).isEqualTo(c.cost());
                }
                double both = kl.kl(Map.of("blk.0.attn_v.weight", DType.Q4_0, "token_embd.weight", DType.Q4_0));
                assertThat(both).isGreaterThan(kl.kl(Map.of("token_embd.weight", DType.Q4_0)));
                // the embedding dropped from the plan returns to full precision: the attn_v figure again
                assertThat(kl.kl(Map.of("blk.0.attn_v.weight", DType.Q4_0))).isEqualTo(sens.get("blk.0.attn_v.weight").getFirst().cost());
                assertThat(kl.kl(Map.of())).isZero();
            }
        }
    }

    @Test
    void nllPlansOnTheSecondHalfMatchTheSameSensitivitiesAndDifferFromKl() {
        try (Model m = Models.load(LlamaQuantizeOracle.shared("data/models/stories260K-f32.gguf"))) {
            SplittableRandom rng = new SplittableRandom(5);
            List<int[]> chunks = List.of(rng.ints(16, 1, 512).toArray(), rng.ints(16, 1, 512).toArray());
            Map<String, List<Choice>> nll = LossSensitivity.measure(m, new RtnEncoder(), chunks, CalibrationLoss.NLL, 8, n -> {});
            String t = "blk.0.attn_v.weight";
            try (PlanKl plan = new PlanKl(m, new RtnEncoder(), chunks, CalibrationLoss.NLL, 8);
                 PlanKl kl = new PlanKl(m, new RtnEncoder(), chunks)) {
                assertThat(plan.kl(Map.of())).isZero();
                for (Choice c : nll.get(t)) assertThat(plan.kl(Map.of(t, c.type()))).as(t + " " + c.type()).isEqualTo(c.cost());
                // the smallest type moves the true tokens' likelihood by another amount than the whole distribution
                DType smallest = nll.get(t).getFirst().type();
                assertThat(plan.kl(Map.of(t, smallest))).isNotZero().isNotEqualTo(kl.kl(Map.of(t, smallest)));
            }
        }
    }
}
