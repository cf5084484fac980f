package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.model.gguf.GgufFile;
import dev.pith.model.gguf.GgufModelConfig;
import dev.pith.model.gguf.GgufValue;
import dev.pith.model.gguf.GgufWriter;
import dev.pith.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 1 GB model loads by mapping: generating from it in a fresh JVM with a small heap keeps the peak
 * resident set below 1.2 × the file size plus the KV cache (weights are never copied). The child
 * JVM gets the launcher's flags (parallel GC, whose bookkeeping is smaller than G1's).
 */
class MappedMemoryTest {
    @TempDir Path dir;

    @Test
    void oneGigabyteModelRunsWithinFileSizePlusKvCache() throws Exception {
        Path model = dir.resolve("big-f16.gguf");
        int dim = 2048, layers = 10, ffn = 5632, heads = 16, vocab = 512, ctx = 64;
        writeRandomF16Model(model, dim, layers, ffn, heads, vocab, ctx);
        long fileSize = Files.size(model);
        assertThat(fileSize).isGreaterThan(1_000_000_000L);

        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseParallelGC", "-Xmx256m", "-cp", System.getProperty("java.class.path"), "dev.pith.cli.Main",
                "generate", "--model", model.toString(), "--prompt", "Once upon a time", "--max-tokens", "3",
                "--temperature", "0", "--ignore-eos", "--ctx", String.valueOf(ctx), "--json"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("exit code; stdout: %s", out).isZero();
        JsonNode json = new ObjectMapper().readTree(out);
        long peak = json.get("peak_rss_bytes").asLong();
        long kvCache = 2L * layers * ctx * dim * 4;
        assertThat(json.get("tokens").size()).isEqualTo(3);
        assertThat(peak).as("peak RSS %d for a %d-byte file", peak, fileSize).isLessThan((long) (1.2 * fileSize) + kvCache);
    }

    /** A Llama-shaped model of random half-precision weights, with stories260K's 512-token tokenizer. */
    private static void writeRandomF16Model(Path out, int dim, int layers, int ffn, int heads, int vocab, int ctx) {
        GgufWriter w = new GgufWriter();
        ModelConfig c = new ModelConfig("llama", dim, layers, heads, heads, dim / heads, ffn, vocab, ctx, 1e-5f, 10000f, dim / heads, false, null, true);
        w.putAll(GgufModelConfig.toGguf(c));
        try (GgufFile tok = GgufFile.open(CliRunner.shared("models/stories260K-f32.gguf"))) {
            for (var e : tok.metadata().entrySet()) if (e.getKey().startsWith("tokenizer.")) w.put(e.getKey(), e.getValue());
        }
        w.put("general.name", GgufValue.string("random-1gb"));
        Arena arena = Arena.ofAuto();
        MemorySegment big = halfNoise(arena, (long) ffn * dim, 1);
        MemorySegment square = big.asSlice(0, 2L * dim * dim);
        MemorySegment ones = MemorySegment.ofArray(new float[dim]);
        ones.elements(ValueLayout.JAVA_FLOAT).forEach(s -> s.set(ValueLayout.JAVA_FLOAT, 0, 1f));
        w.add(new Tensor("token_embd.weight", DType.F16, new long[]{dim, vocab}, big.asSlice(0, 2L * dim * vocab)));
        for (int l = 0; l < layers; l++) {
            String b = "blk." + l + ".";
            w.add(new Tensor(b + "attn_norm.weight", DType.F32, new long[]{dim}, ones));
            for (String n : new String[]{"attn_q", "attn_k", "attn_v", "attn_output"})
                w.add(new Tensor(b + n + ".weight", DType.F16, new long[]{dim, dim}, square));
            w.add(new Tensor(b + "ffn_norm.weight", DType.F32, new long[]{dim}, ones));
            w.add(new Tensor(b + "ffn_gate.weight", DType.F16, new long[]{dim, ffn}, big));
            w.add(new Tensor(b + "ffn_up.weight", DType.F16, new long[]{dim, ffn}, big));
            w.add(new Tensor(b + "ffn_down.weight", DType.F16, new long[]{ffn, dim}, big));
        }
        w.add(new Tensor("output_norm.weight", DType.F32, new long[]{dim}, ones));
        w.write(out);
    }

    private static MemorySegment halfNoise(Arena arena, long count, long seed) {
        MemorySegment s = arena.allocate(2 * count, 2);
        SplittableRandom r = new SplittableRandom(seed);
        ValueLayout.OfShort h = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < count; i++) s.setAtIndex(h, i, Float.floatToFloat16((float) (r.nextGaussian() * 0.02)));
        return s;
    }
}
