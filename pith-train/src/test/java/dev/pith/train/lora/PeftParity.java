package dev.pith.train.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.model.Model;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.ModelBridge;

import java.io.InputStream;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The steps both PEFT parity tests (LoRA and AdaLoRA folders) share: run, read the fixture, compare. */
final class PeftParity {
    private PeftParity() {}

    /** Pith reads the PEFT folder back and runs the base with it, unmerged: the logits of {@code tokens}. */
    static float[] unmergedLogits(Model base, Path adapterDir, int[] tokens) {
        LoraAdapter back = PeftAdapter.read(adapterDir, base.config(), AdapterEquivalenceTest.BASE);
        LlamaTrainModel m = ModelBridge.fromModel(base, n -> LlamaTrainModel.Storage.FROZEN);
        Lora.apply(m, back);
        m.forward(tokens.clone(), 1, tokens.length);
        return m.logits();
    }

    /** The frozen PyTorch fixture under src/test/resources (a missing one fails the test). */
    static JsonNode fixture(String resource) throws Exception {
        try (InputStream in = PeftParity.class.getResourceAsStream(resource)) {
            assertThat(in).as("fixture resources" + resource).isNotNull();
            return new ObjectMapper().readTree(in);
        }
    }

    /** Pith's logits equal PyTorch's within 1e-5 of the largest logit, and the adapter visibly changes them. */
    static void assertLogitsMatch(float[] mine, JsonNode fx) {
        JsonNode ref = fx.get("logits"), plain = fx.get("base_logits");
        double scale = 0, worst = 0, baseDiff = 0;
        for (int i = 0; i < ref.size(); i++) {
            scale = Math.max(scale, Math.abs(ref.get(i).asDouble()));
            worst = Math.max(worst, Math.abs(mine[i] - ref.get(i).asDouble()));
            baseDiff = Math.max(baseDiff, Math.abs(plain.get(i).asDouble() - ref.get(i).asDouble()));
        }
        assertThat(baseDiff / scale).as("the adapter changes PyTorch's logits").isGreaterThan(1e-2);
        assertThat(worst / scale).as("max |Pith − PyTorch| / max |logit|").isLessThan(1e-5);
    }
}
