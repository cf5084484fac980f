package dev.pith.train.lora;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pith.core.quant.Dequantizer;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.Models;
import dev.pith.model.hf.Safetensors;
import dev.pith.model.runtime.Transformer;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.LrSchedule;
import dev.pith.train.ModelBridge;
import dev.pith.train.Param;
import dev.pith.train.Rng;
import dev.pith.train.TokenSource;
import dev.pith.train.TrainOptions;
import dev.pith.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * AdaLoRA's allocation: the budget schedule at hand-computed points, the importance scores against
 * a direct computation of PEFT's formulas, the rank in use after training equal to the schedule's
 * target, and on the real stories260K the unmerged adapter equal to the merged model (training
 * engine vs inference runtime, through the PEFT ADALORA and GGUF files too).
 */
class AdaLoraTest {
    private static final ModelConfig C = new ModelConfig("llama", 8, 2, 2, 1, 4, 12, 11, 16, 1e-5f, 10000f, 4, false, null, true);

    private static AdaLoraConfig config(int r0, int r1, int tinit, int tfinal, int deltaT, long total) {
        return new AdaLoraConfig(r0, r1, 2.0 * r0, 0, EnumSet.allOf(LoraTarget.class), tinit, tfinal, deltaT, 0.85, 0.85, 0.5, total);
    }

    private static LlamaTrainModel tiny() {
        LlamaTrainModel m = new LlamaTrainModel(C, n -> LlamaTrainModel.Storage.FROZEN);
        m.initialize(new Rng(5));
        return m;
    }

    @Test
    void budgetFallsCubicallyFromInitialToTarget() {
        // b0 = 120, bT = 80, tinit 10, tfinal 20, T = 100: the fall spans steps 10..80 (70 steps)
        assertThat(RankAllocator.schedule(0, 120, 80, 10, 20, 100, 5)).isEqualTo(new RankAllocator.Budget(120, false));
        assertThat(RankAllocator.schedule(10, 120, 80, 10, 20, 100, 5)).isEqualTo(new RankAllocator.Budget(120, false));
        // 1/70 of the way: 40·(69/70)³ + 80 = 118.31… → 118; step 11 is not a multiple of ΔT = 5
        assertThat(RankAllocator.schedule(11, 120, 80, 10, 20, 100, 5)).isEqualTo(new RankAllocator.Budget(118, false));
        // half way (step 45): 40·(1/2)³ + 80 = 85
        assertThat(RankAllocator.schedule(45, 120, 80, 10, 20, 100, 5)).isEqualTo(new RankAllocator.Budget(85, true));
        // 3/4 of the way (step 62.5 → 63: 1 − 53/70 = 17/70): 40·(17/70)³ + 80 = 80.57… → 80
        assertThat(RankAllocator.schedule(63, 120, 80, 10, 20, 100, 5).budget()).isEqualTo(80);
        assertThat(RankAllocator.schedule(80, 120, 80, 10, 20, 100, 5)).isEqualTo(new RankAllocator.Budget(80, true));
        assertThat(RankAllocator.schedule(81, 120, 80, 10, 20, 100, 5)).isEqualTo(new RankAllocator.Budget(80, true));
        // never increasing
        int prev = Integer.MAX_VALUE;
        for (int s = 0; s < 100; s++) {
            int b = RankAllocator.schedule(s, 120, 80, 10, 20, 100, 5).budget();
            assertThat(b).isLessThanOrEqualTo(prev).isBetween(80, 120);
            prev = b;
        }
    }

    @Test
    void importanceIsSmoothedSensitivityTimesUncertainty() {
        LlamaTrainModel m = tiny();
        AdaLora ada = AdaLora.attach(m, config(3, 1, 0, 0, 1, 10), 1);
        List<Param> ps = m.trainableParams();
        Rng r = new Rng(9);
        int steps = 3;
        double[][] w = new double[steps][], g = new double[steps][];
        // two rounds of weights and gradients; the direct computation follows PEFT's update_ipt in double
        double[][] ipt = new double[ps.size()][], unc = new double[ps.size()][];
        for (int i = 0; i < ps.size(); i++) {
            ipt[i] = new double[ps.get(i).size()];
            unc[i] = new double[ps.get(i).size()];
        }
        for (int s = 0; s < steps; s++) {
            for (int i = 0; i < ps.size(); i++) {
                Param p = ps.get(i);
                for (int k = 0; k < p.w.length; k++) {
                    p.w[k] = (float) r.nextGaussian();
                    p.g[k] = (float) r.nextGaussian();
                    double sens = Math.abs((double) p.w[k] * p.g[k]);
                    ipt[i][k] = 0.85 * ipt[i][k] + 0.15 * sens;
                    unc[i][k] = 0.85 * unc[i][k] + 0.15 * Math.abs(sens - ipt[i][k]);
                }
            }
            ada.allocator().updateImportance();
        }
        // module 0 is blk.0.attn_q (Q 3×8, λ 3, P 8×3): params 0, 1, 2
        for (int mod = 0; mod < 2; mod++) {
            double[] got = ada.allocator().tripletScores(mod);
            int a = 3 * mod, e = a + 1, b = a + 2, in = ps.get(a).cols(), out = ps.get(b).rows();
            for (int k = 0; k < 3; k++) {
                double qa = 0, pb = 0;
                for (int j = 0; j < in; j++) qa += ipt[a][k * in + j] * unc[a][k * in + j];
                for (int o = 0; o < out; o++) pb += ipt[b][o * 3 + k] * unc[b][o * 3 + k];
                double want = ipt[e][k] * unc[e][k] + qa / in + pb / out;
                assertThat(got[k]).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5 * Math.abs(want) + 1e-7));
            }
        }
        // masking to a budget keeps exactly that many triplets, the best-scored ones, and zeroes λ of the rest
        int n = ada.allocator().initBudget();
        double[] all = new double[n];
        for (int mod = 0, i = 0; mod < n / 3; mod++) for (double v : ada.allocator().tripletScores(mod)) all[i++] = v;
        double[] sorted = all.clone();
        java.util.Arrays.sort(sorted);
        boolean[][] keep = ada.allocator().maskToBudget(n - 10);
        int kept = 0;
        for (int mod = 0, i = 0; mod < keep.length; mod++)
            for (int k = 0; k < 3; k++, i++) {
                if (keep[mod][k]) {
                    kept++;
                    assertThat(all[i]).isGreaterThanOrEqualTo(sorted[10]);
                } else {
                    assertThat(all[i]).isLessThanOrEqualTo(sorted[9]);
                    assertThat(ps.get(3 * mod + 1).w[k]).isZero();
                }
            }
        assertThat(kept).isEqualTo(n - 10).isEqualTo(ada.rankInUse());
    }

    private static AdaLora train(AdaLoraConfig cfg) {
        LlamaTrainModel m = tiny();
        AdaLora ada = AdaLora.attach(m, cfg, 2);
        int[] tokens = new int[400];
        for (int i = 0; i < tokens.length; i++) tokens[i] = (i * 7 + i / 3) % C.vocabSize();
        TrainOptions o = new TrainOptions((int) cfg.totalSteps(), 2, 8, 1e-2, 1e-3, 1, LrSchedule.Decay.COSINE, 0.0, 0.9, 0.95, 1e-8, 1.0, 1, 9);
        Trainer tr = new Trainer(m, o, TokenSource.of(tokens), TokenSource.of(tokens));
        tr.setHook(ada);
        double first = tr.evaluate(2);
        for (int s = 0; s < cfg.totalSteps(); s++) tr.trainStep();
        ada.finish();
        assertThat(tr.evaluate(2)).isLessThan(first);
        return ada;
    }

    @Test
    void rankInUseAfterTrainingIsTheTarget() {
        // PEFT's defaults (tinit = tfinal = 0, ΔT = 1): 14 projections × r0 4 → 14 × 2
        AdaLora a = train(config(4, 2, 0, 0, 1, 8));
        assertThat(a.allocator().targetBudget()).isEqualTo(28);
        assertThat(a.rankInUse()).isEqualTo(28);
        assertThat(a.snapshot("x").rankInUse()).isEqualTo(28);
        // warm-up, a frozen final phase and allocations every 3 steps: still exactly the target
        AdaLora b = train(config(4, 1, 2, 3, 3, 12));
        assertThat(b.rankInUse()).isEqualTo(14);
        AdaLoraAdapter snap = b.snapshot("x");
        int differ = 0;
        for (AdaLoraAdapter.Entry e : snap.entries()) {
            for (int k = 0; k < e.rank(); k++) if (!e.keep()[k]) assertThat(e.e()[k]).isZero();
            if (e.keptRank() != 1) differ++;
        }
        assertThat(differ).as("ranks are reallocated, not cut evenly").isPositive();
    }

    static final Path BASE = AdapterEquivalenceTest.BASE;
    static final int[] TOKENS = AdapterEquivalenceTest.TOKENS;

    @Test
    void mergedEqualsUnmergedThroughEveryFile(@TempDir Path dir) throws Exception {
        try (Model base = Models.load(BASE)) {
            LlamaTrainModel m = ModelBridge.fromModel(base, n -> LlamaTrainModel.Storage.FROZEN);
            AdaLoraConfig cfg = new AdaLoraConfig(4, 2, 6.0, 0, EnumSet.allOf(LoraTarget.class), 0, 0, 1, 0.85, 0.85, 0.5, 10);
            AdaLora ada = AdaLora.attach(m, cfg, 5);
            Rng r = new Rng(4);
            for (Param p : m.trainableParams()) if (p.name().endsWith("lora_e")) for (int i = 0; i < p.w.length; i++) p.w[i] = (float) (0.5 * r.nextGaussian());
            for (Param p : m.trainableParams()) if (!p.name().endsWith("lora_e")) for (int i = 0; i < p.w.length; i++) p.w[i] = (float) (0.3 * r.nextGaussian());
            // an uneven allocation: random scores stand in for trained ones
            for (Param p : m.trainableParams()) p.zeroGrad();
            for (Param p : m.trainableParams()) for (int i = 0; i < p.g.length; i++) p.g[i] = (float) r.nextGaussian();
            ada.allocator().updateImportance();
            ada.allocator().updateImportance();
            ada.allocator().maskToBudget(ada.allocator().targetBudget());
            m.forward(TOKENS.clone(), 1, TOKENS.length);
            float[] unmerged = m.logits().clone();
            AdaLoraAdapter snap = ada.snapshot(BASE.toString());
            assertThat(snap.rankInUse()).isEqualTo(cfg.targetRank() * snap.entries().size());

            PeftAdaLora.write(snap, base.config(), dir.resolve("peft"));
            GgufAdapter.write(snap.toLora(), base.config(), dir.resolve("a.gguf"));
            float[] plain = new Transformer(base).forwardAll(TOKENS.clone());
            assertThat(AdapterEquivalenceTest.maxRelDiff(unmerged, plain)).as("the adapter changes the logits").isGreaterThan(1e-2);
            for (LoraAdapter lora : new LoraAdapter[] {snap.toLora(),
                    GgufAdapter.readAny(dir.resolve("peft"), base.config(), BASE), GgufAdapter.readAny(dir.resolve("a.gguf"), base.config(), BASE)}) {
                float[] merged = new Transformer(LoraMerge.merge(base, lora, Path.of("adapter"))).forwardAll(TOKENS.clone());
                assertThat(AdapterEquivalenceTest.maxRelDiff(unmerged, merged)).as("unmerged training engine vs merged runtime").isLessThan(1e-4);
            }

            // PEFT's layout: only kept triplets, no ".weight", rank_pattern over all r0 triplets
            JsonNode c = PeftAdapter.JSON.readTree(Files.readAllBytes(dir.resolve("peft/adapter_config.json")));
            assertThat(c.path("peft_type").asText()).isEqualTo("ADALORA");
            assertThat(c.path("init_r").asInt()).isEqualTo(4);
            assertThat(c.path("target_r").asInt()).isEqualTo(2);
            AdaLoraAdapter.Entry v0 = snap.entries().stream().filter(e -> e.layer() == 0 && e.target() == LoraTarget.V).findFirst().orElseThrow();
            JsonNode flags = c.path("rank_pattern").path("model.layers.0.self_attn.v_proj.lora_E");
            assertThat(flags.size()).isEqualTo(4);
            for (int k = 0; k < 4; k++) assertThat(flags.get(k).asBoolean()).isEqualTo(v0.keep()[k]);
            try (Safetensors st = Safetensors.open(dir.resolve("peft/adapter_model.safetensors"))) {
                String mod = "base_model.model.model.layers.0.self_attn.v_proj";
                if (v0.keptRank() > 0) {
                    assertThat(st.tensor(mod + ".lora_A").shape()).containsExactly(v0.in(), v0.keptRank());
                    assertThat(st.tensor(mod + ".lora_E").shape()).containsExactly(1, v0.keptRank());
                    assertThat(st.tensor(mod + ".lora_B").shape()).containsExactly(v0.keptRank(), v0.out());
                    float[] lam = Dequantizer.dequantize(st.tensor(mod + ".lora_E"));
                    for (int k = 0, j = 0; k < 4; k++) if (v0.keep()[k]) assertThat(lam[j++]).isEqualTo(v0.e()[k]);
                }
            }
        }
    }
}
