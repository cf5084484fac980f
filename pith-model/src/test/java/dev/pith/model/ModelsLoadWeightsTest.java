package dev.pith.model;

import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Models#loadWeights} on a GGUF file: the same tensors and metadata as {@link Models#load}, no tokenizer built. */
class ModelsLoadWeightsTest {
    @Test
    void ggufWeightsWithoutTheTokenizer() {
        Path p = TestData.model("stories260K-f32.gguf");
        try (Model full = Models.load(p); Model weights = Models.loadWeights(p, null)) {
            assertThat(full.tokenizer()).isNotNull();
            assertThat(weights.tokenizer()).isNull();
            assertThat(weights.metadata()).containsOnlyKeys(full.metadata().keySet());
            assertThat(weights.metadata()).containsKey("tokenizer.ggml.tokens");
            assertThat(weights.config()).isEqualTo(full.config());
            for (Tensor t : full.tensors().values()) {
                Tensor w = weights.tensor(t.name());
                assertThat(w.type()).isEqualTo(t.type());
                assertThat(w.data().mismatch(t.data())).as(t.name()).isEqualTo(-1);
            }
        }
    }
}
