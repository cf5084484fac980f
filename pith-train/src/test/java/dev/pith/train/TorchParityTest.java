package dev.pith.train;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Agreement with PyTorch (fixtures from tools/fixtures/make_train_fixtures.py, Debian python3-torch
 * 1.13): same weights and batch give the same loss and the same gradient for every parameter
 * within 1e-4 relative; and 200 steps of training from the same weights on the same data order
 * give the same loss at every step within 1e-3.
 */
class TorchParityTest {

    @Test
    void lossAndEveryGradientMatchTorchUntiedGqa() { gradients("grad_untied", LlamaTrainModel.Parallelism.OPS); }

    @Test
    void lossAndEveryGradientMatchTorchTied() { gradients("grad_tied", LlamaTrainModel.Parallelism.OPS); }

    /** The same fixtures with each thread running whole sequences (3 sequences over two threads: shares of 1 and 2). */
    @Test
    void batchParallelGradientsMatchTorchToo() {
        int before = dev.pith.core.Parallel.threads();
        dev.pith.core.Parallel.setThreads(2);
        try {
            gradients("grad_untied", LlamaTrainModel.Parallelism.BATCH);
            gradients("grad_tied", LlamaTrainModel.Parallelism.BATCH);
        } finally {
            dev.pith.core.Parallel.setThreads(before);
        }
    }

    private void gradients(String name, LlamaTrainModel.Parallelism parallelism) {
        TorchFixture f = new TorchFixture(name);
        LlamaTrainModel m = f.model(name + ".weights.bin");
        m.setParallelism(parallelism);
        assertThat(m.batchParallel(f.json.get("batch").asInt(), f.json.get("seq").asInt()))
                .isEqualTo(parallelism == LlamaTrainModel.Parallelism.BATCH);
        int b = f.json.get("batch").asInt(), t = f.json.get("seq").asInt();
        m.zeroGrad();
        double loss = m.forwardBackward(TorchFixture.ints(f.json.get("inputs")), TorchFixture.ints(f.json.get("targets")), b, t, 1f);
        double expected = f.json.get("loss").asDouble();
        assertThat(Math.abs(loss - expected) / Math.abs(expected)).as("loss %s vs torch %s", loss, expected).isLessThan(1e-5);
        List<Param> ps = m.params();
        float[][] grads = TorchFixture.floats(name + ".grads.bin", ps);
        for (int i = 0; i < ps.size(); i++) {
            float[] got = ps.get(i).g, want = grads[i];
            double scale = 0;
            for (float v : want) scale = Math.max(scale, Math.abs(v));
            assertThat(scale).as("%s: torch gradient not zero", ps.get(i).name()).isGreaterThan(0);
            double worst = 0;
            for (int j = 0; j < want.length; j++) {
                // relative to the entry, with the tensor's largest entry as the floor for entries near zero
                double err = Math.abs(got[j] - want[j]) / Math.max(Math.abs(want[j]), 1e-2 * scale);
                worst = Math.max(worst, err);
            }
            assertThat(worst).as("%s: max relative gradient error", ps.get(i).name()).isLessThan(1e-4);
        }
    }

    @Test
    void twoHundredStepLossCurveMatchesTorch() {
        TorchFixture f = new TorchFixture("curve");
        LlamaTrainModel m = f.model("curve.weights.bin");
        JsonNode h = f.json.get("train");
        byte[] raw = TorchFixture.bytes("curve.tokens.bin");
        int[] tokens = new int[raw.length];
        for (int i = 0; i < raw.length; i++) tokens[i] = raw[i] & 0xff;
        TrainOptions o = new TrainOptions(h.get("steps").asInt(), h.get("batch").asInt(), h.get("seq").asInt(),
                h.get("lr").asDouble(), h.get("min_lr").asDouble(), h.get("warmup").asInt(), LrSchedule.Decay.COSINE,
                h.get("weight_decay").asDouble(), h.get("beta1").asDouble(), h.get("beta2").asDouble(), h.get("eps").asDouble(),
                h.get("grad_clip").asDouble(), h.get("grad_accum").asInt(), h.get("seed").asLong());
        Trainer tr = new Trainer(m, o, TokenSource.of(tokens), null);
        JsonNode want = f.json.get("losses");
        assertThat(want.size()).isEqualTo(200);
        double worst = 0;
        for (int s = 0; s < want.size(); s++) {
            double loss = tr.trainStep();
            double diff = Math.abs(loss - want.get(s).asDouble());
            assertThat(diff).as("step %d: pith %s, torch %s", s, loss, want.get(s).asDouble()).isLessThan(1e-3);
            worst = Math.max(worst, diff);
        }
        // the run must actually learn, or agreement would be trivial
        assertThat(want.get(199).asDouble()).isLessThan(want.get(0).asDouble() - 1.0);
        System.out.printf("200-step curve: worst |pith − torch| = %.3g%n", worst);
    }
}
