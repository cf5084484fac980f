package dev.pith.model.hf;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class SafetensorsTest {
    @TempDir Path tmp;

    @Test
    void readsTheLlamaFixtureAsMappedSlicesInGgmlOrder() {
        try (Safetensors f = Safetensors.open(HfFixtures.dir("tiny_llama").resolve("model.safetensors"))) {
            assertThat(f.metadata()).containsEntry("format", "pt");
            assertThat(f.tensors()).hasSize(3 + 2 * 9);
            Tensor q = f.tensor("model.layers.0.self_attn.q_proj.weight");
            assertThat(q.type()).isEqualTo(DType.BF16);
            assertThat(q.shape()).containsExactly(64, 64);
            Tensor k = f.tensor("model.layers.1.self_attn.k_proj.weight");
            assertThat(k.shape()).containsExactly(64, 32); // HF [32, 64]: 32 rows of 64
            Tensor down = f.tensor("model.layers.0.mlp.down_proj.weight");
            assertThat(down.shape()).containsExactly(160, 64);
            assertThat(f.tensor("model.norm.weight").shape()).containsExactly(64);
            assertThat(dev.pith.core.Mapped.isFileMapped(q.data())).isTrue();
        }
    }

    @Test
    void writerReproducesTheReferenceLayoutByteForByte() throws Exception {
        for (String model : new String[] {"tiny_llama", "tiny_qwen2"}) {
            Path src = HfFixtures.dir(model).resolve("model.safetensors");
            Path out = tmp.resolve(model + ".safetensors");
            try (Safetensors f = Safetensors.open(src)) {
                SafetensorsWriter w = new SafetensorsWriter();
                // insertion order must not matter: the writer lays tensors out as the reference does
                var names = new java.util.ArrayList<>(f.tensors().keySet());
                java.util.Collections.shuffle(names, new Random(7));
                for (String n : names) w.add(n, f.tensor(n));
                w.write(out);
            }
            assertThat(Files.mismatch(src, out)).as(model).isEqualTo(-1L);
        }
    }

    @Test
    void headerIsPaddedWithSpacesToEightBytes() throws Exception {
        Path out = tmp.resolve("one.safetensors");
        new SafetensorsWriter().add("x", f32("x", 3)).write(out);
        byte[] b = Files.readAllBytes(out);
        long n = MemorySegment.ofArray(b).get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        assertThat(n % 8).isZero();
        String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
        assertThat(header).startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}");
        assertThat(header.strip()).endsWith("}");
        assertThat(header.substring(header.lastIndexOf('}') + 1)).matches(" *");
        assertThat(b.length).isEqualTo(8 + n + 12);
    }

    @Test
    void everyDtypeRoundTrips() {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("a.f32", random("a.f32", DType.F32, new long[] {5, 3}, 1));
        in.put("b.f16", random("b.f16", DType.F16, new long[] {4, 2, 3}, 2));
        in.put("c.bf16", random("c.bf16", DType.BF16, new long[] {7}, 3));
        in.put("d.empty", random("d.empty", DType.F32, new long[] {0, 4}, 4));
        in.put("e.scalar", random("e.scalar", DType.F16, new long[] {}, 5));
        Path out = tmp.resolve("all.safetensors");
        SafetensorsWriter w = new SafetensorsWriter().putMetadata("note", "hello");
        in.forEach(w::add);
        w.write(out);
        try (Safetensors f = Safetensors.open(out)) {
            assertThat(f.metadata()).containsEntry("note", "hello").containsEntry("format", "pt");
            HfFixtures.assertBitIdentical(f.tensors(), in);
        }
    }

    @Test
    void shardedWriteAndReadGiveTheSameTensors() {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (int i = 0; i < 7; i++) in.put("t" + i, random("t" + i, DType.F32, new long[] {16, 4}, i)); // 256 bytes each
        var files = SafetensorsWriter.writeSharded(tmp, in, 600);
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly(
                "model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors", "model-00003-of-00004.safetensors",
                "model-00004-of-00004.safetensors", "model.safetensors.index.json");
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(tmp)) {
            HfFixtures.assertBitIdentical(ck.tensors(), in);
            assertThat(ck.files()).hasSize(4);
        }
        // Writing again unsharded removes the index, so the folder has one layout only.
        SafetensorsWriter.writeSharded(tmp, in, 1 << 20);
        assertThat(tmp.resolve("model.safetensors.index.json")).doesNotExist();
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(tmp)) {
            HfFixtures.assertBitIdentical(ck.tensors(), in);
            assertThat(ck.files()).containsExactly(tmp.resolve("model.safetensors"));
        }
    }

    @Test
    void shardedFixtureHoldsTheSameTensorsAsTheSingleFile() {
        try (SafetensorsCheckpoint sharded = SafetensorsCheckpoint.open(HfFixtures.dir("tiny_qwen2_sharded"));
             SafetensorsCheckpoint single = SafetensorsCheckpoint.open(HfFixtures.dir("tiny_qwen2"))) {
            assertThat(sharded.files()).hasSize(2);
            HfFixtures.assertBitIdentical(sharded.tensors(), single.tensors());
        }
    }

    static Tensor f32(String name, int n) {
        return random(name, DType.F32, new long[] {n}, 0);
    }

    static Tensor random(String name, DType type, long[] shape, long seed) {
        long count = Tensor.elementCount(shape);
        byte[] b = new byte[(int) type.bytesFor(count)];
        new Random(seed).nextBytes(b);
        return new Tensor(name, type, shape, MemorySegment.ofArray(b));
    }
}
