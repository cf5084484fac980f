package dev.pith.compress.quant;

import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.ModelWriters;
import dev.pith.model.Models;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Importance-weighted quantization against llama.cpp's: the same importance vectors (random,
 * positive, uneven across columns, as real activation statistics are) given to
 * llama_model_quantize and to Pith must give the same bytes for every quantized file type.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LlamaCppImatrixParityTest {
    @TempDir static Path dir;
    Path synthetic;

    @BeforeAll
    void setUp() throws Exception {
        LlamaQuantizeOracle.binary();
        synthetic = dir.resolve("synthetic.gguf");
        SyntheticLlama.write(synthetic, 11);
    }

    @ParameterizedTest
    @EnumSource(value = FileType.class, names = {"F32", "F16", "BF16"}, mode = EnumSource.Mode.EXCLUDE)
    void syntheticWeightedBytesMatchLlamaCpp(FileType ftype) throws Exception {
        assertWeightedSame(synthetic, ftype);
    }

    @ParameterizedTest
    @EnumSource(value = FileType.class, names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K_M"})
    void storiesWeightedBytesMatchLlamaCpp(FileType ftype) throws Exception {
        assertWeightedSame(LlamaQuantizeOracle.shared("data/models/stories260K-f32.gguf"), ftype);
    }

    private void assertWeightedSame(Path in, FileType ftype) throws Exception {
        Path ref = dir.resolve("ref-" + ftype + ".gguf"), mine = dir.resolve("pith-" + ftype + ".gguf");
        try (Model src = Models.load(in)) {
            Map<String, float[]> imatrix = randomImatrix(src, 5);
            Path raw = dir.resolve("imatrix-" + ftype + ".raw");
            writeRaw(imatrix, raw);
            LlamaQuantizeOracle.quantize(in, ref, ftype, raw, List.of());
            TypePlanner.Plan plan = ModelQuantizer.plan(src, ftype, List.of(), true);
            try (Model q = ModelQuantizer.apply(src, ftype, plan, new ImatrixEncoder(imatrix, raw), n -> { })) {
                ModelWriters.writeGguf(q, mine);
            }
        }
        LlamaCppQuantizeParityTest.assertSameTensors(ref, mine);
    }

    /** One vector per matrix except token_embd (which never multiplies activations), log-normal values. */
    static Map<String, float[]> randomImatrix(Model m, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Tensor t : m.tensors().values()) {
            if (t.rank() < 2 || t.name().equals("token_embd.weight")) continue;
            float[] v = new float[t.cols()];
            for (int i = 0; i < v.length; i++) v[i] = (float) Math.exp(rng.nextGaussian() * 1.5);
            out.put(t.name(), v);
        }
        return out;
    }

    /** The oracle program's input: int32 count, then per entry int32 name length, name, int32 n, n floats. */
    static void writeRaw(Map<String, float[]> imatrix, Path out) throws IOException {
        try (var os = Files.newOutputStream(out)) {
            os.write(le(imatrix.size()));
            for (var e : imatrix.entrySet()) {
                byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
                os.write(le(name.length));
                os.write(name);
                os.write(le(e.getValue().length));
                ByteBuffer b = ByteBuffer.allocate(4 * e.getValue().length).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : e.getValue()) b.putFloat(f);
                os.write(b.array());
            }
        }
    }

    private static byte[] le(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }
}
