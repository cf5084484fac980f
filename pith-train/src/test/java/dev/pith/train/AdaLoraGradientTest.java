package dev.pith.train;

import dev.pith.model.ModelConfig;
import dev.pith.train.lora.AdaLora;
import dev.pith.train.lora.AdaLoraConfig;
import dev.pith.train.lora.LoraTarget;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.pith.train.FiniteDifference.check;
import static dev.pith.train.FiniteDifference.toDouble;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * AdaLoRA's Q (lora_A), λ (lora_E) and P (lora_B) gradients, the orthogonality penalty's included,
 * against central finite differences of a double-precision objective computed independently:
 * the reference loss with every adapted W replaced by W + c·P·diag(λ)·Q (one triplet masked), plus
 * w/N · Σ ‖QQᵀ − I‖_F + ‖PᵀP − I‖_F.
 */
class AdaLoraGradientTest {
    private static final ModelConfig C = new ModelConfig("llama", 8, 2, 2, 1, 4, 12, 11, 16, 1e-5f, 10000f, 4, false, null, true);
    private final Random rnd = new Random(7);

    @Test
    void svdAdapterAndOrthogonalityGradientsMatchFiniteDifferences() {
        LlamaTrainModel m = new LlamaTrainModel(C, n -> LlamaTrainModel.Storage.FROZEN);
        m.initialize(new Rng(5));
        for (Param p : m.params()) for (int i = 0; i < p.w.length; i++) p.w[i] += (float) (rnd.nextGaussian() * 0.3);
        AdaLoraConfig cfg = new AdaLoraConfig(3, 2, 5.0, 0, EnumSet.allOf(LoraTarget.class), 0, 0, 1, 0.85, 0.85, 0.5, 10);
        AdaLora ada = AdaLora.attach(m, cfg, 3);
        // λ starts at zero (PEFT), which would make Q's and P's loss gradients vanish: give every entry a value
        Map<String, Param[]> aeb = new HashMap<>();
        for (Param p : m.trainableParams()) {
            for (int i = 0; i < p.w.length; i++) p.w[i] = (float) (rnd.nextGaussian() * 0.6);
            String base = p.name().substring(0, p.name().length() - 7);
            aeb.computeIfAbsent(base, k -> new Param[3])["aeb".indexOf(p.name().charAt(p.name().length() - 1))] = p;
        }
        // mask triplet 1 of the first adapted matrix: its λ becomes 0, its Q row and P column stay
        Param e0 = m.trainableParams().get(1);
        assertThat(e0.name()).endsWith(".lora_e");
        e0.w[1] = 0f;

        int b = 2, t = 5;
        int[] in = new int[b * t], tg = new int[b * t];
        for (int i = 0; i < in.length; i++) {
            in[i] = rnd.nextInt(C.vocabSize());
            tg[i] = rnd.nextInt(C.vocabSize());
        }
        m.zeroGrad();
        double loss = m.forwardBackward(in, tg, b, t, 1f);
        ada.afterBackward();
        double penalty = ada.lastPenalty();

        Map<String, double[]> base = new HashMap<>(), adapters = new HashMap<>();
        for (Param p : m.params()) base.put(p.name(), toDouble(p.w));
        for (Param p : m.trainableParams()) adapters.put(p.name(), toDouble(p.w));
        double c = cfg.alpha() / (cfg.initRank() + 1e-5);
        java.util.function.DoubleSupplier f = () -> {
            Map<String, double[]> w = new HashMap<>(base);
            double reg = 0;
            for (var e : aeb.entrySet()) {
                Param[] ps = e.getValue();
                double[] a = adapters.get(ps[0].name()), lam = adapters.get(ps[1].name()), bb = adapters.get(ps[2].name());
                double[] merged = base.get(e.getKey()).clone();
                int r = ps[0].rows(), inn = ps[0].cols(), out = ps[2].rows();
                for (int o = 0; o < out; o++)
                    for (int j = 0; j < inn; j++) {
                        double s = 0;
                        for (int k = 0; k < r; k++) s += bb[o * r + k] * lam[k] * a[k * inn + j];
                        merged[o * inn + j] += c * s;
                    }
                w.put(e.getKey(), merged);
                reg += frobeniusFromIdentity(a, r, inn, true) + frobeniusFromIdentity(bb, out, r, false);
            }
            return LayerGradientTest.referenceLoss(C, w, in, tg, b, t) + cfg.orthRegWeight() * reg / (2.0 * aeb.size());
        };
        assertThat(loss + penalty).isCloseTo(f.getAsDouble(), org.assertj.core.data.Offset.offset(1e-5));
        assertThat(penalty).as("the penalty is part of the objective").isGreaterThan(0.1);
        List<String> checked = new ArrayList<>();
        for (Param p : m.trainableParams()) {
            check("d" + p.name(), p.g, adapters.get(p.name()), f, 1e-4);
            checked.add(p.name());
        }
        assertThat(checked).hasSize(3 * 7 * C.layers());
    }

    /** ‖QQᵀ − I‖_F for Q (rows × cols, rows orthonormal) or ‖PᵀP − I‖_F for P (columns orthonormal), directly. */
    private static double frobeniusFromIdentity(double[] m, int rows, int cols, boolean rowVectors) {
        int r = rowVectors ? rows : cols, len = rowVectors ? cols : rows;
        double s = 0;
        for (int i = 0; i < r; i++)
            for (int j = 0; j < r; j++) {
                double d = 0;
                for (int k = 0; k < len; k++) d += rowVectors ? m[i * cols + k] * m[j * cols + k] : m[k * cols + i] * m[k * cols + j];
                if (i == j) d -= 1;
                s += d * d;
            }
        return Math.sqrt(s);
    }
}
