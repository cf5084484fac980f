package dev.pith.train.lora;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.Models;
import dev.pith.model.runtime.Transformer;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.ModelBridge;
import dev.pith.train.Param;
import dev.pith.train.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.EnumSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * On the real stories260K: the base with an adapter applied unmerged gives the merged model's
 * logits (in the training engine and in the inference runtime); the PEFT and GGUF adapter files
 * read back to the same adapter; an adapter for another base is refused.
 */
class AdapterEquivalenceTest {
    static final Path BASE = Path.of(System.getProperty("pith.shared"), "data/models/stories260K-f32.gguf");
    static final int[] TOKENS = {1, 403, 407, 261, 378, 29, 72, 471, 263, 217};

    /** A LoRA adapter on every projection of stories260K with non-zero B (as if trained). */
    static LoraAdapter randomAdapter(Model base, int rank) {
        LlamaTrainModel m = FineTuneSetup.build(base, FineTuneSetup.Method.LORA,
                new LoraConfig(rank, 2.0 * rank, 0, EnumSet.allOf(LoraTarget.class)), null, 0, 3).model();
        Rng r = new Rng(4);
        for (Param p : m.trainableParams()) if (p.name().endsWith("lora_b")) for (int i = 0; i < p.w.length; i++) p.w[i] = (float) (0.05 * r.nextGaussian());
        return snapshotOf(m, base);
    }

    private static LoraAdapter snapshotOf(LlamaTrainModel m, Model base) {
        // rebuild the adapter from the model's parameters through a Lora view
        java.util.List<LoraAdapter.Entry> entries = new java.util.ArrayList<>();
        var ps = m.trainableParams();
        for (int i = 0; i < ps.size(); i += 2) {
            Param a = ps.get(i), b = ps.get(i + 1);
            String w = a.name().substring(0, a.name().length() - ".lora_a".length());
            int layer = Integer.parseInt(w.split("\\.")[1]);
            LoraTarget t = LoraTarget.fromGguf(w.split("\\.")[2]);
            entries.add(new LoraAdapter.Entry(layer, t, a.rows(), a.cols(), b.rows(), a.w.clone(), b.w.clone()));
        }
        return new LoraAdapter(16.0, base.source().toString(), entries);
    }

    private static float[] unmergedLogits(Model base, LoraAdapter adapter) {
        LlamaTrainModel m = ModelBridge.fromModel(base, n -> LlamaTrainModel.Storage.FROZEN);
        Lora.apply(m, adapter);
        m.forward(TOKENS.clone(), 1, TOKENS.length);
        return m.logits().clone();
    }

    static double maxRelDiff(float[] a, float[] b) {
        double scale = 0, worst = 0;
        for (float v : a) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        return worst / scale;
    }

    @Test
    void unmergedEqualsMerged() {
        try (Model base = Models.load(BASE)) {
            LoraAdapter adapter = randomAdapter(base, 4);
            float[] unmerged = unmergedLogits(base, adapter);
            Model merged = LoraMerge.merge(base, adapter, Path.of("adapter"));
            LlamaTrainModel mm = ModelBridge.fromModel(merged);
            mm.forward(TOKENS.clone(), 1, TOKENS.length);
            float[] mergedTrain = mm.logits();
            float[] baseLogits = unmergedLogits(base, new LoraAdapter(adapter.alpha(), "", java.util.List.of(adapter.entries().getFirst())));
            assertThat(maxRelDiff(unmerged, baseLogits)).as("the adapter changes the logits").isGreaterThan(1e-2);
            assertThat(maxRelDiff(unmerged, mergedTrain)).as("training engine: unmerged vs merged").isLessThan(1e-4);
            float[] runtime = new Transformer(merged).forwardAll(TOKENS.clone());
            assertThat(maxRelDiff(unmerged, runtime)).as("runtime merged vs unmerged").isLessThan(1e-4);
        }
    }

    @Test
    void peftAndGgufFilesRoundTrip(@TempDir Path dir) {
        try (Model base = Models.load(BASE)) {
            LoraAdapter adapter = randomAdapter(base, 2);
            PeftAdapter.write(adapter, base.config(), dir.resolve("peft"));
            GgufAdapter.write(adapter, base.config(), dir.resolve("a.gguf"));
            for (LoraAdapter back : new LoraAdapter[] {
                    GgufAdapter.readAny(dir.resolve("peft"), base.config(), BASE), GgufAdapter.readAny(dir.resolve("a.gguf"), base.config(), BASE)}) {
                assertThat(back.alpha()).isEqualTo(adapter.alpha());
                assertThat(back.entries()).hasSameSizeAs(adapter.entries());
                for (int i = 0; i < back.entries().size(); i++) {
                    LoraAdapter.Entry x = adapter.entries().get(i), y = back.entries().get(i);
                    assertThat(y.weight()).isEqualTo(x.weight());
                    assertThat(y.a()).containsExactly(x.a());
                    assertThat(y.b()).containsExactly(x.b());
                }
            }
        }
    }

    @Test
    void peftFileUsesHfRowOrderForQAndK(@TempDir Path dir) {
        try (Model base = Models.load(BASE)) {
            LoraAdapter adapter = randomAdapter(base, 2);
            PeftAdapter.write(adapter, base.config(), dir);
            try (var st = dev.pith.model.hf.Safetensors.open(dir.resolve(PeftAdapter.WEIGHTS))) {
                LoraAdapter.Entry q = adapter.entries().stream().filter(e -> e.target() == LoraTarget.Q && e.layer() == 0).findFirst().orElseThrow();
                float[] hf = dev.pith.core.quant.Dequantizer.dequantize(st.tensor("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"));
                int d = base.config().headDim(), r = q.rank();
                // GGUF row 1 (pair 0, second element) is HF row d/2 of the first head
                for (int k = 0; k < r; k++) assertThat(hf[(d / 2) * r + k]).isEqualTo(q.b()[r + k]);
                float[] v = dev.pith.core.quant.Dequantizer.dequantize(st.tensor("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight"));
                LoraAdapter.Entry ve = adapter.entries().stream().filter(e -> e.target() == LoraTarget.V && e.layer() == 0).findFirst().orElseThrow();
                assertThat(v).containsExactly(ve.b());
            }
        }
    }

    @Test
    void adapterForAnotherBaseIsRefused(@TempDir Path dir) {
        try (Model base = Models.load(BASE)) {
            LoraAdapter adapter = randomAdapter(base, 2);
            PeftAdapter.write(adapter, base.config(), dir.resolve("peft"));
            GgufAdapter.write(adapter, base.config(), dir.resolve("a.gguf"));
            ModelConfig c = base.config();
            ModelConfig wider = new ModelConfig("llama", c.dim() * 2, c.layers(), c.heads(), c.kvHeads(), c.headDim() * 2, c.ffnDim(), c.vocabSize(),
                    c.contextLength(), c.rmsEps(), c.ropeTheta(), c.headDim() * 2, false, null, true);
            for (String f : new String[] {"peft", "a.gguf"})
                assertThatThrownBy(() -> GgufAdapter.readAny(dir.resolve(f), wider, Path.of("other.gguf")))
                        .isInstanceOf(PithException.class).hasMessageContaining("another base model").hasMessageContaining("other.gguf");
        }
    }

    @Test
    void rankLargerThanTheLayerIsRefused() {
        try (Model base = Models.load(BASE)) {
            assertThatThrownBy(() -> FineTuneSetup.build(base, FineTuneSetup.Method.LORA,
                    new LoraConfig(base.config().dim() + 1, 8, 0, EnumSet.of(LoraTarget.Q)), null, 0, 1))
                    .isInstanceOf(PithException.class).hasMessageContaining("--lora-rank").hasMessageContaining("larger than blk.0.attn_q.weight");
        }
        assertThatThrownBy(() -> LoraTarget.parse("q,foo")).isInstanceOf(PithException.class).hasMessageContaining("'foo' matches no projection");
        assertThatThrownBy(() -> LoraTarget.parse(" , ")).isInstanceOf(PithException.class).hasMessageContaining("names no projection");
    }
}
