package dev.pith.model.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.runtime.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pith's runtime on models loaded from Hugging Face folders gives the logits of a plain-torch
 * forward that follows transformers' modeling_llama / modeling_qwen2 (tools/fixtures/make_hf_fixtures.py).
 * This is what proves the q/k permutation and the rope layout choice: with either wrong, RoPE
 * rotates the wrong pairs and the logits are far off.
 */
class HfLogitsTest {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir Path tmp;

    @Test
    void llama() throws Exception {
        check(HfFixtures.dir("tiny_llama"), HfFixtures.dir("tiny_llama").resolve("logits.json"));
    }

    @Test
    void qwen2() throws Exception {
        check(HfFixtures.dir("tiny_qwen2"), HfFixtures.dir("tiny_qwen2").resolve("logits.json"));
    }

    @Test
    void qwen2Sharded() throws Exception {
        check(HfFixtures.dir("tiny_qwen2_sharded"), HfFixtures.dir("tiny_qwen2").resolve("logits.json"));
    }

    @Test
    void llamaWithLlama3RopeScaling() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("llama3"));
        Files.copy(HfFixtures.dir("tiny_llama").resolve("model.safetensors"), d.resolve("model.safetensors"));
        Files.copy(HfFixtures.dir("llama3_scaling").resolve("config.json"), d.resolve("config.json"));
        check(d, HfFixtures.dir("llama3_scaling").resolve("logits.json"));
    }

    private static void check(Path dir, Path logitsJson) throws Exception {
        JsonNode ref = new ObjectMapper().readTree(logitsJson.toFile());
        int[] tokens = new int[ref.get("tokens").size()];
        for (int i = 0; i < tokens.length; i++) tokens[i] = ref.get("tokens").get(i).asInt();
        int vocab = ref.get("vocab_size").asInt();
        try (Model hf = HfLoader.load(dir, null)) {
            float[] logits = new Transformer(asF32(hf)).forwardAll(tokens);
            assertThat(logits).hasSize(tokens.length * vocab);
            double maxErr = 0, maxRef = 0;
            for (int t = 0; t < tokens.length; t++) {
                JsonNode row = ref.get("logits").get(t);
                for (int v = 0; v < vocab; v++) {
                    double expected = row.get(v).asDouble();
                    maxErr = Math.max(maxErr, Math.abs(logits[t * vocab + v] - expected));
                    maxRef = Math.max(maxRef, Math.abs(expected));
                }
            }
            assertThat(maxRef).as("reference logits are not trivially small").isGreaterThan(1.0);
            // Measured: 3e-6 to 5e-6 (float32 summation order); a wrong rope layout gives errors of order 1.
            assertThat(maxErr).as("largest logit difference from the torch reference").isLessThan(5e-5);
        }
    }

    @Test
    void theTestWouldCatchAWrongRopeLayout() throws Exception {
        Path dir = HfFixtures.dir("tiny_llama");
        JsonNode ref = new ObjectMapper().readTree(dir.resolve("logits.json").toFile());
        int[] tokens = new int[ref.get("tokens").size()];
        for (int i = 0; i < tokens.length; i++) tokens[i] = ref.get("tokens").get(i).asInt();
        try (Model hf = HfLoader.load(dir, null)) {
            var c = hf.config();
            // Permuted rows run with NeoX pairing: the combination llama.cpp's converter avoids.
            var wrong = new dev.pith.model.ModelConfig(c.architecture(), c.dim(), c.layers(), c.heads(), c.kvHeads(), c.headDim(),
                    c.ffnDim(), c.vocabSize(), c.contextLength(), c.rmsEps(), c.ropeTheta(), c.ropeDim(), true, null, false);
            Model m = asF32(hf);
            float[] logits = new Transformer(new Model(wrong, m.tensors(), null, m.metadata(), dir, List.of())).forwardAll(tokens);
            double maxErr = 0;
            int vocab = c.vocabSize();
            for (int t = 0; t < tokens.length; t++)
                for (int v = 0; v < vocab; v++)
                    maxErr = Math.max(maxErr, Math.abs(logits[t * vocab + v] - ref.get("logits").get(t).get(v).asDouble()));
            assertThat(maxErr).isGreaterThan(0.05);
        }
    }

    /** The same model with BF16/F16 tensors widened to F32 (exact), for runtimes whose kernels read F32. */
    private static Model asF32(Model m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Tensor t : m.tensors().values()) {
            if (t.type() == DType.F32) {
                out.put(t.name(), t);
                continue;
            }
            long n = t.elementCount();
            MemorySegment dst = MemorySegment.ofArray(new float[(int) n]);
            for (long i = 0; i < n; i++) {
                short bits = t.data().getAtIndex(I16, i);
                float f = t.type() == DType.BF16 ? Float.intBitsToFloat(bits << 16) : Float.float16ToFloat(bits);
                dst.setAtIndex(F32, i, f);
            }
            out.put(t.name(), new Tensor(t.name(), DType.F32, t.shape(), dst));
        }
        return new Model(m.config(), out, m.tokenizer(), m.metadata(), m.source(), List.of());
    }
}
