package dev.pith.model.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HfRoundTripTest {
    @TempDir Path tmp;

    @Test
    void llamaLoadsInGgufFormWithQandKPermuted() {
        Path dir = HfFixtures.dir("tiny_llama");
        try (Model m = HfLoader.load(dir, null); Safetensors st = Safetensors.open(dir.resolve("model.safetensors"))) {
            assertThat(m.config().architecture()).isEqualTo("llama");
            assertThat(m.config().ropeNeox()).isFalse();
            assertThat(m.tensors().keySet()).startsWith("token_embd.weight", "blk.0.attn_norm.weight", "blk.0.attn_q.weight")
                    .endsWith("output_norm.weight", "output.weight").hasSize(21);
            assertThat(m.metadata().get("tokenizer.ggml.bos_token_id").asLong()).isEqualTo(1);
            assertThat(m.metadata().get("llama.vocab_size").asLong()).isEqualTo(300);
            for (int l = 0; l < 2; l++) {
                // GGUF row h·d + 2i + j holds HF row h·d + j·d/2 + i (d = 16, 4 q heads, 2 kv heads)
                assertPermuted(st.tensor("model.layers." + l + ".self_attn.q_proj.weight"), m.tensor("blk." + l + ".attn_q.weight"), 4);
                assertPermuted(st.tensor("model.layers." + l + ".self_attn.k_proj.weight"), m.tensor("blk." + l + ".attn_k.weight"), 2);
                assertThat(m.tensor("blk." + l + ".attn_v.weight").data().mismatch(st.tensor("model.layers." + l + ".self_attn.v_proj.weight").data())).isEqualTo(-1);
                assertThat(dev.pith.core.Mapped.isFileMapped(m.tensor("blk." + l + ".attn_v.weight").data())).isTrue();
            }
        }
    }

    @Test
    void qwen2IsNotPermutedAndHasNoOutputWhenTied() {
        Path dir = HfFixtures.dir("tiny_qwen2");
        try (Model m = HfLoader.load(dir, null); Safetensors st = Safetensors.open(dir.resolve("model.safetensors"))) {
            assertThat(m.config().ropeNeox()).isTrue();
            assertThat(m.has("output.weight")).isFalse();
            assertThat(m.tensor("blk.1.attn_q.bias").shape()).containsExactly(32);
            assertThat(m.tensor("blk.1.attn_k.bias").shape()).containsExactly(16);
            for (Tensor t : m.tensors().values()) assertThat(dev.pith.core.Mapped.isFileMapped(t.data())).as(t.name()).isTrue();
            assertThat(m.tensor("blk.0.attn_q.weight").data().mismatch(st.tensor("model.layers.0.self_attn.q_proj.weight").data())).isEqualTo(-1);
        }
    }

    @Test
    void hfToModelToHfIsByteIdentical() throws Exception {
        for (String name : List.of("tiny_llama", "tiny_qwen2")) {
            Path src = HfFixtures.dir(name);
            Path out = tmp.resolve(name);
            try (Model m = HfLoader.load(src, null)) {
                HfWriter.write(m, out);
            }
            assertThat(Files.mismatch(src.resolve("model.safetensors"), out.resolve("model.safetensors"))).as(name).isEqualTo(-1L);
            assertThat(HfConfig.read(out.resolve("config.json"))).isEqualTo(HfConfig.read(src.resolve("config.json")));
            assertSameCheckpoint(out, src);
        }
    }

    @Test
    void hfToGgufToModelToHfIsByteIdentical() throws Exception {
        for (String name : List.of("tiny_llama", "tiny_qwen2")) {
            Path src = HfFixtures.dir(name);
            Path gguf = tmp.resolve(name + ".gguf");
            Path out = tmp.resolve(name + "-back");
            try (Model m = HfLoader.load(src, null)) {
                HfToGguf.write(m, gguf);
                try (GgufFile f = GgufFile.open(gguf)) {
                    assertThat(GgufConfig.fromGguf(f)).isEqualTo(m.config());
                    HfFixtures.assertBitIdentical(f.tensors(), m.tensors());
                }
            }
            try (Model g = Models.load(gguf)) { // Pith's general GGUF loader, not this package's
                HfWriter.write(g, out);
            }
            assertThat(Files.mismatch(src.resolve("model.safetensors"), out.resolve("model.safetensors"))).as(name).isEqualTo(-1L);
            assertThat(HfConfig.read(out.resolve("config.json"))).isEqualTo(HfConfig.read(src.resolve("config.json")));
        }
    }

    @Test
    void llama3ScalingBecomesRopeFreqsAndComesBack() throws Exception {
        Path src = llama3Folder();
        Path gguf = tmp.resolve("l3.gguf");
        Path out = tmp.resolve("l3-back");
        var fixture = new ObjectMapper().readTree(HfFixtures.dir("llama3_scaling").resolve("logits.json").toFile()).get("rope_freqs");
        try (Model m = HfLoader.load(src, null)) {
            Tensor rf = m.tensor("rope_freqs.weight");
            assertThat(rf.type()).isEqualTo(DType.F32);
            assertThat(rf.shape()).containsExactly(8);
            for (int i = 0; i < 8; i++)
                assertThat(rf.data().getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i)).as("factor " + i)
                        .isCloseTo((float) fixture.get(i).asDouble(), org.assertj.core.data.Percentage.withPercentage(1e-4));
            HfToGguf.write(m, gguf);
        }
        try (Model g = Models.load(gguf)) {
            assertThat(g.has("rope_freqs.weight")).isTrue();
            HfWriter.write(g, out);
        }
        assertThat(Files.mismatch(src.resolve("model.safetensors"), out.resolve("model.safetensors"))).isEqualTo(-1L);
        assertThat(HfConfig.read(out.resolve("config.json"))).isEqualTo(HfConfig.read(src.resolve("config.json")));
    }

    @Test
    void shardedFolderLoadsLikeTheSingleFile() {
        try (Model sharded = HfLoader.load(HfFixtures.dir("tiny_qwen2_sharded"), null);
             Model single = HfLoader.load(HfFixtures.dir("tiny_qwen2"), null)) {
            assertThat(sharded.config()).isEqualTo(single.config());
            HfFixtures.assertBitIdentical(sharded.tensors(), single.tensors());
        }
    }

    @Test
    void writerShardsLargeModels() {
        Path out = tmp.resolve("shards");
        try (Model m = HfLoader.load(HfFixtures.dir("tiny_llama"), null)) {
            HfWriter.write(m, out, 60_000);
            assertThat(out.resolve("model.safetensors.index.json")).exists();
            assertThat(out.resolve("model.safetensors")).doesNotExist();
            try (Model back = HfLoader.load(out, null)) {
                HfFixtures.assertBitIdentical(back.tensors(), m.tensors());
            }
        }
        assertSameCheckpoint(out, HfFixtures.dir("tiny_llama"));
    }

    @Test
    void tokenizerJsonIsHandedToTheLoaderAndCopiedByTheWriter() throws Exception {
        Path src = copyOf(HfFixtures.dir("tiny_qwen2"), tmp.resolve("withtok"));
        Files.writeString(src.resolve("tokenizer.json"), "{\"model\":{}}");
        List<Path> seen = new ArrayList<>();
        Path out = tmp.resolve("withtok-out");
        try (Model m = HfLoader.load(src, p -> {
            seen.add(p);
            return null;
        })) {
            HfWriter.write(m, out);
        }
        assertThat(seen).containsExactly(src.resolve("tokenizer.json"));
        assertThat(Files.mismatch(src.resolve("tokenizer.json"), out.resolve("tokenizer.json"))).isEqualTo(-1L);
        try (Model m = HfLoader.load(HfFixtures.dir("tiny_qwen2"), p -> {
            throw new AssertionError("no tokenizer.json there");
        })) {
            assertThat(m.tokenizer()).isNull();
        }
    }

    @Test
    void checkpointThatDoesNotMatchItsConfig() throws Exception {
        Map<String, Tensor> tensors;
        Path src = HfFixtures.dir("tiny_qwen2");
        try (Safetensors st = Safetensors.open(src.resolve("model.safetensors"))) {
            tensors = new LinkedHashMap<>();
            for (var e : st.tensors().entrySet()) tensors.put(e.getKey(), copy(e.getValue()));
        }
        Path missing = folderWith(src, "missing", without(tensors, "model.layers.1.mlp.up_proj.weight"));
        assertThatThrownBy(() -> HfLoader.load(missing, null)).isExactlyInstanceOf(PithException.class)
                .hasMessage(missing + " lacks tensor 'model.layers.1.mlp.up_proj.weight'.");
        Map<String, Tensor> extra = new LinkedHashMap<>(tensors);
        extra.put("model.layers.0.mlp.experts.0.weight", tensors.get("model.norm.weight"));
        Path unknown = folderWith(src, "unknown", extra);
        assertThatThrownBy(() -> HfLoader.load(unknown, null)).isExactlyInstanceOf(PithException.class)
                .hasMessage(unknown + " has tensor 'model.layers.0.mlp.experts.0.weight', which Qwen2ForCausalLM as Pith runs it does not use.");
        Map<String, Tensor> wrong = new LinkedHashMap<>(tensors);
        wrong.put("model.norm.weight", tensors.get("model.layers.0.self_attn.k_proj.bias"));
        Path shape = folderWith(src, "shape", wrong);
        assertThatThrownBy(() -> HfLoader.load(shape, null)).isExactlyInstanceOf(PithException.class)
                .hasMessage(shape + ": tensor 'model.norm.weight' has shape [16] but the configuration needs [32].");
    }

    @Test
    void writerRefusesQuantizedTensors() {
        try (Model m = HfLoader.load(HfFixtures.dir("tiny_llama"), null)) {
            Map<String, Tensor> t = new LinkedHashMap<>(m.tensors());
            t.put("blk.0.ffn_up.weight", new Tensor("blk.0.ffn_up.weight", DType.Q8_0, new long[] {64, 160},
                    MemorySegment.ofArray(new byte[(int) DType.Q8_0.bytesFor(64) * 160])));
            Model q = new Model(m.config(), t, null, m.metadata(), Path.of("q.gguf"), List.of());
            Path out = tmp.resolve("q");
            assertThatThrownBy(() -> HfWriter.write(q, out)).isExactlyInstanceOf(PithException.class)
                    .hasMessageStartingWith("q.gguf: tensor 'blk.0.ffn_up.weight' is Q8_0");
            assertThat(out.resolve("model.safetensors")).doesNotExist();
            assertThat(out.resolve("config.json")).doesNotExist();
        }
    }

    /** tiny_llama's weights with llama3_scaling's config.json. */
    private Path llama3Folder() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("llama3"));
        Files.copy(HfFixtures.dir("tiny_llama").resolve("model.safetensors"), d.resolve("model.safetensors"));
        Files.copy(HfFixtures.dir("llama3_scaling").resolve("config.json"), d.resolve("config.json"));
        return d;
    }

    private static void assertPermuted(Tensor hf, Tensor gguf, int heads) {
        assertThat(gguf.shape()).isEqualTo(hf.shape());
        int rows = hf.rows(), d = rows / heads;
        long rb = hf.rowBytes();
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < d / 2; i++)
                for (int j = 0; j < 2; j++) {
                    MemorySegment g = gguf.data().asSlice((long) (h * d + 2 * i + j) * rb, rb);
                    MemorySegment f = hf.data().asSlice((long) (h * d + j * d / 2 + i) * rb, rb);
                    assertThat(g.mismatch(f)).isEqualTo(-1L);
                }
        assertThat(gguf.data().mismatch(hf.data())).as("the permutation moved rows").isNotEqualTo(-1L);
    }

    private static void assertSameCheckpoint(Path actual, Path expected) {
        try (SafetensorsCheckpoint a = SafetensorsCheckpoint.open(actual); SafetensorsCheckpoint e = SafetensorsCheckpoint.open(expected)) {
            HfFixtures.assertBitIdentical(a.tensors(), e.tensors());
        }
    }

    private Path folderWith(Path configFrom, String name, Map<String, Tensor> tensors) throws Exception {
        Path d = Files.createDirectories(tmp.resolve(name));
        Files.copy(configFrom.resolve("config.json"), d.resolve("config.json"));
        SafetensorsWriter w = new SafetensorsWriter();
        tensors.forEach(w::add);
        w.write(d.resolve("model.safetensors"));
        return d;
    }

    private static Map<String, Tensor> without(Map<String, Tensor> m, String name) {
        Map<String, Tensor> out = new LinkedHashMap<>(m);
        out.remove(name);
        return out;
    }

    private static Tensor copy(Tensor t) {
        return new Tensor(t.name(), t.type(), t.shape(), MemorySegment.ofArray(t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
    }

    private static Path copyOf(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (var s = Files.list(from)) {
            for (Path p : s.toList()) Files.copy(p, to.resolve(p.getFileName()));
        }
        return to;
    }
}
