package dev.pith.model.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.model.ModelConfig;
import dev.pith.model.gguf.GgufFile;
import dev.pith.model.gguf.GgufValue;
import dev.pith.model.gguf.GgufValueType;
import dev.pith.model.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GgufConfigTest {
    @TempDir Path tmp;

    private static final ModelConfig LLAMA31 = new ModelConfig("llama", 64, 2, 4, 2, 16, 160, 300, 4096, 1e-5f, 500000f, 16,
            false, new ModelConfig.RopeScaling(8f, 1f, 4f, 8192), false);

    @Test
    void llamaCppKeyNamesAndTypes() {
        Map<String, GgufValue> m = GgufConfig.toGguf(LLAMA31);
        assertThat(m.get("general.architecture")).isEqualTo(GgufValue.string("llama"));
        assertThat(m.get("llama.embedding_length")).isEqualTo(GgufValue.u32(64));
        assertThat(m.get("llama.block_count")).isEqualTo(GgufValue.u32(2));
        assertThat(m.get("llama.feed_forward_length")).isEqualTo(GgufValue.u32(160));
        assertThat(m.get("llama.attention.head_count")).isEqualTo(GgufValue.u32(4));
        assertThat(m.get("llama.attention.head_count_kv")).isEqualTo(GgufValue.u32(2));
        assertThat(m.get("llama.attention.layer_norm_rms_epsilon")).isEqualTo(GgufValue.f32(1e-5f));
        assertThat(m.get("llama.rope.freq_base")).isEqualTo(GgufValue.f32(500000f));
        assertThat(m.get("llama.rope.dimension_count")).isEqualTo(GgufValue.u32(16));
        assertThat(m.get("llama.context_length")).isEqualTo(GgufValue.u32(4096));
        assertThat(m.get("llama.vocab_size")).isEqualTo(GgufValue.u32(300));
        // llama3 scaling is not a llama.cpp metadata key (its converter writes rope_freqs.weight): no rope.scaling.* keys.
        assertThat(m.keySet()).noneMatch(k -> k.startsWith("llama.rope.scaling"));
        assertThat(m.get(Llama3Rope.KEY_FACTOR).type()).isEqualTo(GgufValueType.FLOAT32);
    }

    @Test
    void roundTripsThroughAGgufFile() {
        Path p = tmp.resolve("m.gguf");
        writeGguf(p, GgufConfig.toGguf(LLAMA31), true);
        try (GgufFile f = GgufFile.open(p)) {
            assertThat(GgufConfig.fromGguf(f)).isEqualTo(LLAMA31);
        }
    }

    @Test
    void llama31ScalingIsRecognisedFromTheTensorAlone() {
        // A GGUF as llama.cpp's converter writes it: rope_freqs.weight, no scaling metadata.
        Map<String, GgufValue> meta = new java.util.LinkedHashMap<>(GgufConfig.toGguf(LLAMA31));
        meta.keySet().removeIf(k -> k.startsWith("pith."));
        Path p = tmp.resolve("converted.gguf");
        writeGguf(p, meta, true);
        try (GgufFile f = GgufFile.open(p)) {
            assertThat(GgufConfig.fromGguf(f).ropeScaling()).isEqualTo(LLAMA31.ropeScaling());
        }
        Path q = tmp.resolve("plain.gguf");
        writeGguf(q, meta, false);
        try (GgufFile f = GgufFile.open(q)) {
            assertThat(GgufConfig.fromGguf(f).ropeScaling()).isNull();
        }
    }

    @Test
    void qwen2IsNeoxAndDefaultsFollowLlamaCpp() {
        ModelConfig qwen = new ModelConfig("qwen2", 32, 1, 4, 2, 8, 64, 300, 128, 1e-6f, 10000f, 8, true, null, true);
        Map<String, GgufValue> meta = new java.util.LinkedHashMap<>(GgufConfig.toGguf(qwen));
        meta.remove("qwen2.rope.freq_base");        // absent → 10000
        meta.remove("qwen2.rope.dimension_count");  // absent → head width
        meta.remove("qwen2.attention.head_count_kv"); // absent → head_count
        Path p = tmp.resolve("q.gguf");
        GgufWriter w = new GgufWriter().putAll(meta);
        w.add(zeros("token_embd.weight", 32, 300));
        w.write(p);
        try (GgufFile f = GgufFile.open(p)) {
            ModelConfig c = GgufConfig.fromGguf(f);
            assertThat(c.ropeNeox()).isTrue();
            assertThat(c.ropeTheta()).isEqualTo(10000f);
            assertThat(c.ropeDim()).isEqualTo(8);
            assertThat(c.kvHeads()).isEqualTo(4);
            assertThat(c.tiedEmbeddings()).isTrue();
        }
    }

    @Test
    void ropeFactorsMatchTheConvertersFloat32Arithmetic() throws Exception {
        HfConfig hf = HfConfig.read(HfFixtures.dir("llama3_scaling").resolve("config.json"));
        var ref = new ObjectMapper().readTree(HfFixtures.dir("llama3_scaling").resolve("logits.json").toFile()).get("rope_freqs");
        float[] f = Llama3Rope.factors(hf.model());
        assertThat(f).hasSize(ref.size());
        for (int i = 0; i < f.length; i++) {
            float expected = (float) ref.get(i).asDouble();
            assertThat(Math.abs(f[i] - expected)).as("pair " + i).isLessThanOrEqualTo(Math.ulp(expected));
        }
        assertThat(f[0]).isEqualTo(1f);   // short wavelength: unscaled
        assertThat(f[7]).isEqualTo(8f);   // long wavelength: divided by the factor
        assertThat(f[1]).isStrictlyBetween(1f, 8f); // the smooth blend between
    }

    private static void writeGguf(Path p, Map<String, GgufValue> meta, boolean withRopeFreqs) {
        GgufWriter w = new GgufWriter().putAll(meta);
        if (withRopeFreqs) w.add(Llama3Rope.tensor(LLAMA31));
        w.add(zeros("token_embd.weight", 64, 300));
        w.add(zeros("output.weight", 64, 300));
        w.write(p);
    }

    private static Tensor zeros(String name, long cols, long rows) {
        return new Tensor(name, DType.F32, new long[] {cols, rows}, MemorySegment.ofArray(new float[(int) (cols * rows)]));
    }
}
