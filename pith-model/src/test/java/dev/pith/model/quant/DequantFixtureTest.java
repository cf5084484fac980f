package dev.pith.model.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.model.gguf.GgufFile;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every tensor of every llama.cpp-made fixture dequantizes to exactly the floats llama.cpp's
 * reference dequantizers give: dequant.json holds the sha256 of each tensor's values as
 * little-endian float32 (computed with gguf-py), and attn_q/*.f32 the raw values of one tensor.
 */
class DequantFixtureTest {
    static final Path DIR = Path.of(System.getProperty("pith.shared"), "data", "fixtures", "quant");

    @Test
    void everyTensorOfEveryFixtureHashesAsLlamaCpp() throws IOException {
        JsonNode expected = new ObjectMapper().readTree(DIR.resolve("dequant.json").toFile());
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".gguf")).sorted().toList();
        }
        assertThat(files).hasSize(expected.size());
        List<String> mismatches = new ArrayList<>();
        int checked = 0;
        for (Path file : files) {
            JsonNode want = expected.get(file.getFileName().toString());
            assertThat(want).as("dequant.json entry for %s", file).isNotNull();
            try (GgufFile gguf = GgufFile.open(file)) {
                Map<String, Tensor> tensors = gguf.tensors();
                assertThat(new TreeSet<>(tensors.keySet())).as(file.toString())
                        .isEqualTo(names(want));
                for (Tensor t : tensors.values()) {
                    JsonNode w = want.get(t.name());
                    assertThat(t.type().name()).as(file + " " + t.name()).isEqualTo(w.get("type").asText());
                    long[] shape = new long[w.get("shape").size()];
                    for (int i = 0; i < shape.length; i++) shape[i] = w.get("shape").get(i).asLong();
                    assertThat(t.shape()).as(file + " " + t.name()).isEqualTo(shape);
                    String got = sha256(Dequantizer.dequantize(t));
                    if (!got.equals(w.get("dequant_sha256").asText())) mismatches.add(file.getFileName() + " " + t);
                    checked++;
                }
            }
        }
        assertThat(mismatches).as("tensors whose dequantized values differ from llama.cpp's").isEmpty();
        assertThat(checked).isEqualTo(countTensors(expected));
    }

    @Test
    void attnQOfEveryPureFileMatchesValueByValue() throws IOException {
        List<Path> refs;
        try (Stream<Path> s = Files.list(DIR.resolve("attn_q"))) {
            refs = s.filter(p -> p.toString().endsWith(".f32")).sorted().toList();
        }
        assertThat(refs).hasSize(17);
        for (Path ref : refs) {
            String tag = ref.getFileName().toString().replace(".f32", "");
            Path gguf = DIR.resolve("fixture-tiny-" + tag + ".gguf");
            float[] want = readF32(ref);
            try (GgufFile f = GgufFile.open(gguf)) {
                float[] got = Dequantizer.dequantize(f.tensor("blk.0.attn_q.weight"));
                assertThat(got).as(tag).hasSize(256 * 256);
                for (int i = 0; i < want.length; i++) {
                    if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                        throw new AssertionError(tag + ": value " + i + " is " + got[i] + ", llama.cpp has " + want[i]);
                    }
                }
            }
        }
    }

    static float[] readF32(Path p) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[b.remaining() / 4];
        b.asFloatBuffer().get(f);
        return f;
    }

    static String sha256(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static TreeSet<String> names(JsonNode obj) {
        TreeSet<String> out = new TreeSet<>();
        obj.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static int countTensors(JsonNode root) {
        int n = 0;
        for (JsonNode f : iterable(root.elements())) n += f.size();
        return n;
    }

    static <T> Iterable<T> iterable(java.util.Iterator<T> it) {
        return () -> it;
    }
}
