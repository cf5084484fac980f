package dev.pith.train;

import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.runtime.Transformer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A trained model, exported under GGUF names, runs in Pith's inference runtime with the same logits as the training forward pass. */
class ExportTest {
    @Test
    void runtimeLogitsEqualTrainingLogits() {
        for (boolean tied : new boolean[] {false, true}) {
            ModelConfig c = new ModelConfig("llama", 32, 2, 4, 2, 8, 48, 40, 32, 1e-5f, 10000f, 8, false, null, tied);
            LlamaTrainModel m = new LlamaTrainModel(c);
            m.initialize(new Rng(5));
            Rng r = new Rng(6);
            for (Param p : m.params()) for (int i = 0; i < p.w.length; i++) p.w[i] += (float) (0.2 * r.nextGaussian());
            int t = 20;
            int[] tokens = new int[t];
            for (int i = 0; i < t; i++) tokens[i] = (int) r.nextLong(c.vocabSize());
            m.forward(tokens, 1, t);
            float[] train = m.logits().clone();
            Model model = ModelBridge.toModel(m, null, null);
            float[] run = new Transformer(model).forwardAll(tokens);
            double scale = 0, worst = 0;
            for (float v : train) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < train.length; i++) worst = Math.max(worst, Math.abs(train[i] - run[i]));
            assertThat(worst / scale).as("tied=%s: max |train − runtime| / max |logit|", tied).isLessThan(1e-5);

            LlamaTrainModel back = ModelBridge.fromModel(model);
            for (int i = 0; i < m.params().size(); i++) assertThat(back.params().get(i).w).containsExactly(m.params().get(i).w);
        }
    }
}
