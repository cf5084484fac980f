package dev.pith.train.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.model.Model;
import dev.pith.model.ModelWriters;
import dev.pith.model.Models;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.ModelBridge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A PEFT ADALORA folder written by Pith, loaded the way PEFT's loader does (adapter name inserted
 * into the tensor names, modules resized by rank_pattern, ranknum kept at init_r, every name and
 * shape checked) and applied with SVDLinear's formula W·x + B·((A∘E)·x)·α/(init_r + 1e-5) by plain
 * PyTorch to the Hugging Face export of the base, gives Pith's logits. The PyTorch logits are
 * frozen in resources/lora/peft_adalora_torch_logits.json by tools/fixtures/make_adalora_fixture.py
 * from the very files this test writes (-Dpith.lora.fixtureInputs=DIR writes them there).
 */
class PeftAdaLoraTorchParityTest {
    static final int INIT_R = 3;
    static final double ALPHA = 6;

    /** Deterministic triplets on every projection; some masked (ranks 1–3), and layer 0's down_proj emptied (rank 0). */
    static AdaLoraAdapter formulaAdapter(Model base) {
        List<AdaLoraAdapter.Entry> entries = new ArrayList<>();
        for (int l = 0; l < base.config().layers(); l++) {
            for (LoraTarget t : LoraTarget.values()) {
                int[] s = LoraAdapter.shape(base.config(), t);
                int in = s[0], out = s[1];
                float[] a = new float[INIT_R * in], e = new float[INIT_R], b = new float[out * INIT_R];
                for (int i = 0; i < a.length; i++) a[i] = (float) (0.1 * Math.sin(0.37 * i + l));
                for (int k = 0; k < INIT_R; k++) e[k] = (float) (0.8 + 0.3 * k - 0.1 * l);
                for (int i = 0; i < b.length; i++) b[i] = (float) (0.05 * Math.cos(0.11 * i + t.ordinal()));
                boolean[] keep = new boolean[INIT_R];
                // ranks 0 to 3 across the projections, so every module's resize differs
                for (int k = 0; k < INIT_R; k++)
                    keep[k] = !(l == 0 && t == LoraTarget.DOWN) && ((l + t.ordinal()) % 3 == 0 ? k == 1 : (7 * l + t.ordinal() + k) % 4 != 0);
                for (int k = 0; k < INIT_R; k++) if (!keep[k]) e[k] = 0f; // masked triplets have λ = 0, as after training
                entries.add(new AdaLoraAdapter.Entry(l, t, INIT_R, in, out, a, e, b, keep));
            }
        }
        AdaLoraConfig cfg = new AdaLoraConfig(INIT_R, 2, ALPHA, 0, EnumSet.allOf(LoraTarget.class), 0, 0, 1, 0.85, 0.85, 0.5, 10);
        return new AdaLoraAdapter(cfg, "stories260K", entries);
    }

    @Test
    void pytorchLoadingLikePeftGivesPithsLogits(@TempDir Path tmp) throws Exception {
        String dump = System.getProperty("pith.lora.fixtureInputs");
        Path dir = dump != null ? Path.of(dump) : tmp;
        try (Model base = Models.load(AdapterEquivalenceTest.BASE)) {
            AdaLoraAdapter adapter = formulaAdapter(base);
            PeftAdaLora.write(adapter, base.config(), dir.resolve("adapter"));
            if (dump != null) {
                ModelWriters.write(base, dir.resolve("hf"));
                Files.writeString(dir.resolve("tokens.json"), java.util.Arrays.toString(PeftTorchParityTest.TOKENS));
            }
            float[] mine = PeftParity.unmergedLogits(base, dir.resolve("adapter"), PeftTorchParityTest.TOKENS);
            JsonNode fx = PeftParity.fixture("/lora/peft_adalora_torch_logits.json");
            // the files PyTorch read are the files Pith writes now
            try (var st = dev.pith.model.hf.Safetensors.open(dir.resolve("adapter").resolve(PeftAdapter.WEIGHTS))) {
                for (String n : new String[] {"lora_E", "lora_B"}) {
                    float[] written = dev.pith.core.quant.Dequantizer.dequantize(st.tensor("base_model.model.model.layers.0.self_attn.q_proj." + n));
                    JsonNode probe = fx.get("probe").get(n);
                    assertThat(written.length).isEqualTo(probe.size());
                    for (int i = 0; i < written.length; i++) assertThat((double) written[i]).as("%s[%d]", n, i).isCloseTo(probe.get(i).asDouble(), org.assertj.core.data.Offset.offset(1e-6));
                }
            }
            JsonNode cfg = new ObjectMapper().readTree(dir.resolve("adapter").resolve(PeftAdapter.CONFIG).toFile());
            for (AdaLoraAdapter.Entry e : adapter.entries())
                assertThat(fx.get("ranks").get("model.layers." + e.layer() + "." + e.target().hf + ".lora_E").asInt()).isEqualTo(e.keptRank());
            assertThat(cfg.path("rank_pattern").size()).isEqualTo(fx.get("ranks").size());
            assertThat(fx.get("ranks").get("model.layers.0.mlp.down_proj.lora_E").asInt()).isZero();
            assertThat(fx.get("logits").size()).isEqualTo(PeftTorchParityTest.TOKENS.length * base.config().vocabSize());
            PeftParity.assertLogitsMatch(mine, fx);
        }
    }
}
