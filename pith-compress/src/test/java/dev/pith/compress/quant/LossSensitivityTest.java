package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.model.Model;
import dev.pith.model.Models;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Loss-aware sensitivities on the shared stories260K: every 2-D weight measured, more bits never hurt more, and the model is left as it was. */
class LossSensitivityTest {
    @Test
    void measuresEveryTensorTheEmbeddingIncludedAndRestoresTheModel() {
        try (Model m = Models.load(LlamaQuantizeOracle.shared("data/models/stories260K-f32.gguf"))) {
            java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
            List<int[]> chunks = List.of(rng.ints(16, 1, 512).toArray(), rng.ints(16, 1, 512).toArray());
            Map<String, List<Choice>> a = LossSensitivity.measure(m, new RtnEncoder(), chunks, n -> {});
            assertThat(a).containsKey("token_embd.weight").containsKey("blk.0.attn_v.weight").containsKey("blk.4.ffn_up.weight");
            // ffn_down's 172-wide rows take no block type: not choosable (llama.cpp leaves them F16)
            assertThat(a).doesNotContainKey("blk.4.ffn_down.weight");
            assertThat(a.keySet()).noneMatch(n -> n.contains("norm"));
            for (var e : a.entrySet()) {
                List<Choice> c = e.getValue();
                // 64-wide rows: the K types fall back to Q4_0 / Q5_0 / Q5_1 / Q8_0
                assertThat(c).extracting(Choice::type).containsExactly(DType.Q4_0, DType.Q5_0, DType.Q5_1, DType.Q8_0);
                assertThat(c).allSatisfy(x -> assertThat(x.cost()).isGreaterThan(-1e-6));
                assertThat(c.getLast().cost()).as(e.getKey()).isLessThan(c.getFirst().cost());
            }
            // a second measurement gives the same figures: every trial put the original weights back
            Map<String, List<Choice>> b = LossSensitivity.measure(m, new RtnEncoder(), chunks, n -> {});
            assertThat(b).isEqualTo(a);
        }
    }

    @Test
    void logSoftmaxRowsAreNormalised() {
        float[] x = {1, 2, 3, -1, 0, 1000};
        LossSensitivity.logSoftmax(x, 3);
        for (int r = 0; r < 2; r++) {
            double s = 0;
            for (int v = 0; v < 3; v++) s += Math.exp(x[r * 3 + v]);
            assertThat(s).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
        }
        assertThat(Arrays.stream(new double[]{x[5]}).max().getAsDouble()).isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-6));
    }
}
