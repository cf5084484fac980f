package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.runtime.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** pith init (from a config.json, with a shared tokenizer), convert --type and bench --json on small shapes. */
class InitConvertBenchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A Llama shape small enough for a unit test (GPT-2 tokenizer, so the vocabulary becomes 50257). */
    private static Path config(Path dir, boolean tied) throws Exception {
        Path c = dir.resolve("config.json");
        Files.writeString(c, """
                {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 96,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                 "vocab_size": 1000, "max_position_embeddings": 256, "rms_norm_eps": 1e-5,
                 "rope_theta": 10000.0, "tie_word_embeddings": %s}
                """.formatted(tied));
        return c;
    }

    @Test
    void initWritesALoadableRandomModelWithTheTokenizersVocabulary(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("m.gguf");
        Path tok = CliRunner.shared("tokenizers/hf/gpt2/tokenizer.json");
        CliRunner r = CliRunner.run("init", "--config", config(dir, false).toString(), "--tokenizer", tok.toString(),
                "--seed", "7", "--type", "Q8_0", "--out", out.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        try (Model m = Models.load(out)) {
            assertThat(m.config().vocabSize()).isEqualTo(m.tokenizer().vocabSize()).isEqualTo(50257);
            assertThat(m.config().dim()).isEqualTo(64);
            assertThat(m.tensor("blk.0.attn_q.weight").type()).isEqualTo(DType.Q8_0);
            assertThat(m.tensor("blk.0.attn_norm.weight").type()).isEqualTo(DType.F32);
            assertThat(m.has("output.weight")).isTrue();
            float[] norm = dev.pith.core.quant.Dequantizer.dequantize(m.tensor("blk.1.ffn_norm.weight"));
            for (float v : norm) assertThat(v).isEqualTo(1f);
            // Random weights of standard deviation 0.02.
            float[] w = dev.pith.core.quant.Dequantizer.dequantize(m.tensor("blk.0.ffn_up.weight"));
            double ss = 0;
            for (float v : w) ss += v * v;
            assertThat(Math.sqrt(ss / w.length)).isBetween(0.018, 0.022);
            float[] logits = new Transformer(m).forward(m.tokenizer().encode("Hello world"));
            for (float v : logits) assertThat(Float.isFinite(v)).isTrue();
        }
        // The same seed gives the same tensors (the file names differ only in general.name), on any thread count.
        Path again = dir.resolve("again.gguf");
        assertThat(CliRunner.run("init", "--config", config(dir, false).toString(), "--tokenizer", tok.toString(),
                "--seed", "7", "--type", "Q8_0", "--threads", "1", "--out", again.toString()).code()).isZero();
        try (Model a = Models.load(out); Model b = Models.load(again)) {
            for (Tensor t : a.tensors().values()) {
                assertThat(b.tensor(t.name()).data().mismatch(t.data())).as(t.name()).isEqualTo(-1L);
            }
        }
    }

    @Test
    void convertTypeQuantizesMatricesKeepsNormsAndFallsBackToF16ForPartialBlocks(@TempDir Path dir) throws Exception {
        Path f32 = dir.resolve("f32.gguf"), q4 = dir.resolve("q4.gguf");
        Path tok = CliRunner.shared("tokenizers/hf/gpt2/tokenizer.json");
        assertThat(CliRunner.run("init", "--config", config(dir, true).toString(), "--tokenizer", tok.toString(), "--out", f32.toString()).code()).isZero();
        CliRunner r = CliRunner.run("convert", "-m", f32.toString(), "--type", "q4_0", "-o", q4.toString());
        assertThat(r.code()).as(r.err()).isZero();
        try (Model a = Models.load(f32); Model b = Models.load(q4)) {
            for (Tensor t : b.tensors().values()) {
                DType want = t.rank() == 2 ? (t.cols() % 32 == 0 ? DType.Q4_0 : DType.F16) : DType.F32;
                assertThat(t.type()).as(t.name()).isEqualTo(want);
            }
            // ffn_down rows are 96 wide: three Q4_0 blocks. Its values are the RTN quantization of the F32 ones.
            float[] src = dev.pith.core.quant.Dequantizer.dequantize(a.tensor("blk.0.ffn_down.weight"));
            byte[] expected = dev.pith.core.quant.Quantizer.quantize(DType.Q4_0, src, src.length);
            Tensor q = b.tensor("blk.0.ffn_down.weight");
            assertThat(q.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).isEqualTo(expected);
            assertThat(b.metadata().get("general.file_type").asLong()).isEqualTo(2);
        }
    }

    @Test
    void benchReportsTheJsonKeys(@TempDir Path dir) throws Exception {
        Path m = dir.resolve("m.gguf");
        Path tok = CliRunner.shared("tokenizers/hf/gpt2/tokenizer.json");
        assertThat(CliRunner.run("init", "--config", config(dir, true).toString(), "--tokenizer", tok.toString(), "--out", m.toString()).code()).isZero();
        CliRunner r = CliRunner.run("bench", "-m", m.toString(), "--prompt-tokens", "16", "--gen-tokens", "4", "--repeats", "3", "--threads", "2", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = JSON.readTree(r.out());
        for (String k : new String[]{"prompt_tokens_per_second", "gen_tokens_per_second", "load_seconds", "peak_rss_bytes"}) {
            assertThat(j.get(k).asDouble()).as(k).isPositive();
        }
        double[] runs = JSON.convertValue(j.get("gen_runs"), double[].class);
        assertThat(runs).hasSize(3);
        java.util.Arrays.sort(runs);
        assertThat(j.get("gen_tokens_per_second").asDouble()).isEqualTo(runs[1]);
        assertThat(j.get("threads").asInt()).isEqualTo(2);
        assertThat(j.get("warmup_runs").asInt()).isBetween(1, JitWarmup.MAX_RUNS); // --warmup auto
        CliRunner fixed = CliRunner.run("bench", "-m", m.toString(), "--prompt-tokens", "8", "--gen-tokens", "2", "--repeats", "1", "--warmup", "0", "--json");
        assertThat(JSON.readTree(fixed.out()).get("warmup_runs").asInt()).isZero();
        CliRunner bad = CliRunner.run("bench", "-m", m.toString(), "--warmup", "lots");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("--warmup must be auto or a count");
    }

    @Test
    void initRefusesAnUnknownPreset(@TempDir Path dir) {
        CliRunner r = CliRunner.run("init", "--preset", "gpt-5", "--out", dir.resolve("x.gguf").toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("unknown preset 'gpt-5'").contains("smollm2-135m");
        assertThat(dir.resolve("x.gguf")).doesNotExist();
    }
}
