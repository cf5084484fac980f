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
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A PEFT adapter written by Pith, applied by plain PyTorch following PEFT's LoRA formula
 * (y = W·x + (lora_alpha/r)·B·A·x) to the Hugging Face export of the same base (HF's q/k row
 * order, rotate-half RoPE), gives Pith's unmerged logits. The PyTorch logits are frozen in
 * resources/lora/peft_torch_logits.json by tools/fixtures/make_lora_fixture.py, from the very files
 * this test writes (run it with -Dpith.lora.fixtureInputs=DIR to write them there; see the script).
 * The adapter is a fixed formula, so the files are the same on every run.
 */
class PeftTorchParityTest {
    static final int RANK = 2;
    static final double ALPHA = 4;
    static final int[] TOKENS = {1, 403, 407, 261, 378, 432, 383, 322, 353, 265, 298, 387};

    /** Deterministic, non-trivial A and B on every projection of every layer. */
    static LoraAdapter formulaAdapter(Model base) {
        List<LoraAdapter.Entry> entries = new ArrayList<>();
        for (int l = 0; l < base.config().layers(); l++) {
            for (LoraTarget t : LoraTarget.values()) {
                int[] s = LoraAdapter.shape(base.config(), t);
                int in = s[0], out = s[1];
                float[] a = new float[RANK * in], b = new float[out * RANK];
                for (int i = 0; i < a.length; i++) a[i] = (float) (0.1 * Math.sin(0.37 * i + l));
                for (int i = 0; i < b.length; i++) b[i] = (float) (0.05 * Math.cos(0.11 * i + t.ordinal()));
                entries.add(new LoraAdapter.Entry(l, t, RANK, in, out, a, b));
            }
        }
        return new LoraAdapter(ALPHA, "stories260K", entries);
    }

    @Test
    void pytorchWithPeftsFormulaGivesPithsLogits(@TempDir Path tmp) throws Exception {
        String dump = System.getProperty("pith.lora.fixtureInputs");
        Path dir = dump != null ? Path.of(dump) : tmp;
        try (Model base = Models.load(AdapterEquivalenceTest.BASE)) {
            LoraAdapter adapter = formulaAdapter(base);
            PeftAdapter.write(adapter, base.config(), dir.resolve("adapter"));
            if (dump != null) {
                ModelWriters.write(base, dir.resolve("hf"));
                Files.writeString(dir.resolve("tokens.json"), java.util.Arrays.toString(TOKENS));
            }
            // Pith reads the PEFT folder back and runs the base with it, unmerged
            float[] mine = PeftParity.unmergedLogits(base, dir.resolve("adapter"), TOKENS);
            JsonNode fx = PeftParity.fixture("/lora/peft_torch_logits.json");
            // the files PyTorch read are the files Pith writes now (q/k lora_B in HF row order)
            try (var st = dev.pith.model.hf.Safetensors.open(dir.resolve("adapter").resolve(PeftAdapter.WEIGHTS))) {
                for (String n : new String[] {"q_proj", "k_proj"}) {
                    float[] written = dev.pith.core.quant.Dequantizer.dequantize(st.tensor("base_model.model.model.layers.0.self_attn." + n + ".lora_B.weight"));
                    JsonNode probe = fx.get("probe").get(n);
                    assertThat(written.length).isEqualTo(probe.size());
                    for (int i = 0; i < written.length; i++) assertThat((double) written[i]).as("%s lora_B[%d]", n, i).isCloseTo(probe.get(i).asDouble(), org.assertj.core.data.Offset.offset(1e-6));
                }
            }
            assertThat(fx.get("tokens").toString().replace(" ", "")).isEqualTo(java.util.Arrays.toString(TOKENS).replace(" ", ""));
            assertThat(fx.get("logits").size()).isEqualTo(TOKENS.length * base.config().vocabSize());
            PeftParity.assertLogitsMatch(mine, fx);
        }
    }
}
