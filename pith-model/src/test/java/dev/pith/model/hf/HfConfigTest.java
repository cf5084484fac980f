package dev.pith.model.hf;

import dev.pith.core.PithException;
import dev.pith.model.ModelConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HfConfigTest {
    private static final Path SRC = Path.of("x", "config.json");

    @Test
    void llamaFixture() {
        HfConfig hf = HfConfig.read(HfFixtures.dir("tiny_llama").resolve("config.json"));
        assertThat(hf.model()).isEqualTo(new ModelConfig("llama", 64, 2, 4, 2, 16, 160, 300, 256, 1e-5f, 10000f, 16,
                false, null, false));
        assertThat(hf.hfArchitecture()).isEqualTo("LlamaForCausalLM");
        assertThat(hf.torchDtype()).isEqualTo("bfloat16");
        assertThat(hf.bosTokenId()).isEqualTo(1);
        assertThat(hf.eosTokenIds()).containsExactly(2);
        assertThat(hf.attentionBias()).isFalse();
    }

    @Test
    void qwen2FixtureIsNeoxWithBiasesAndTiedEmbeddings() {
        HfConfig hf = HfConfig.read(HfFixtures.dir("tiny_qwen2").resolve("config.json"));
        assertThat(hf.model()).isEqualTo(new ModelConfig("qwen2", 32, 2, 4, 2, 8, 64, 300, 128, 1e-6f, 1e6f, 8,
                true, null, true));
        assertThat(hf.attentionBias()).isTrue();
        assertThat(hf.torchDtype()).isEqualTo("float32");
    }

    @Test
    void llama3RopeScaling() {
        HfConfig hf = HfConfig.read(HfFixtures.dir("llama3_scaling").resolve("config.json"));
        assertThat(hf.model().ropeScaling()).isEqualTo(new ModelConfig.RopeScaling(8f, 1f, 4f, 32));
    }

    @Test
    void mistralIsLlamaInGgufTerms() {
        HfConfig hf = parse("{\"architectures\":[\"MistralForCausalLM\"],\"hidden_size\":64,\"intermediate_size\":128,"
                + "\"num_hidden_layers\":1,\"num_attention_heads\":4,\"num_key_value_heads\":1,\"vocab_size\":10,"
                + "\"sliding_window\":4096,\"eos_token_id\":[5,6]}");
        assertThat(hf.model().architecture()).isEqualTo("llama");
        assertThat(hf.model().ropeNeox()).isFalse();
        assertThat(hf.model().headDim()).isEqualTo(16);
        assertThat(hf.model().rmsEps()).isEqualTo(1e-6f);
        assertThat(hf.model().ropeTheta()).isEqualTo(10000f);
        assertThat(hf.model().contextLength()).isEqualTo(2048);
        assertThat(hf.eosTokenIds()).containsExactly(5, 6);
        assertThat(hf.bosTokenId()).isNull();
    }

    @Test
    void newerTransformersKeys() {
        HfConfig hf = parse("{\"model_type\":\"llama\",\"hidden_size\":64,\"intermediate_size\":128,\"num_hidden_layers\":1,"
                + "\"num_attention_heads\":4,\"vocab_size\":10,\"dtype\":\"bfloat16\",\"rope_parameters\":{\"rope_theta\":500000.0,"
                + "\"rope_type\":\"llama3\",\"factor\":32.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
                + "\"original_max_position_embeddings\":8192}}");
        assertThat(hf.hfArchitecture()).isEqualTo("LlamaForCausalLM");
        assertThat(hf.torchDtype()).isEqualTo("bfloat16");
        assertThat(hf.model().ropeTheta()).isEqualTo(500000f);
        assertThat(hf.model().ropeScaling()).isEqualTo(new ModelConfig.RopeScaling(32f, 1f, 4f, 8192));
    }

    @Test
    void writtenJsonReadsBackTheSame() {
        for (String f : List.of("tiny_llama", "tiny_qwen2", "llama3_scaling")) {
            HfConfig hf = HfConfig.read(HfFixtures.dir(f).resolve("config.json"));
            String json = hf.toJson(SRC);
            assertThat(parse(json)).as(f).isEqualTo(hf);
        }
        String json = HfConfig.read(HfFixtures.dir("tiny_llama").resolve("config.json")).toJson(SRC);
        assertThat(json).contains("\"rms_norm_eps\": 1.0E-5", "\"hidden_size\": 64", "\"architectures\": [\"LlamaForCausalLM\"]");
    }

    @Test
    void missingAndWrongFields() {
        String full = "\"architectures\":[\"LlamaForCausalLM\"],\"hidden_size\":64,\"intermediate_size\":128,"
                + "\"num_hidden_layers\":1,\"num_attention_heads\":4,\"vocab_size\":10";
        for (String field : List.of("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "vocab_size")) {
            String json = "{" + full.replaceAll(",?\"" + field + "\":\\d+", "") + "}";
            assertThatThrownBy(() -> parse(json)).isExactlyInstanceOf(PithException.class)
                    .hasMessage(SRC + ": missing field '" + field + "'.");
        }
        expect("{" + full.replace("64", "\"64\"") + "}", "field 'hidden_size' must be a positive integer, not \"64\"");
        expect("{" + full.replace("64", "-64") + "}", "field 'hidden_size' must be a positive integer, not -64");
        expect("{" + full + ",\"num_key_value_heads\":3}", "num_attention_heads (4) is not a multiple of num_key_value_heads (3)");
        expect("{" + full + ",\"hidden_act\":\"gelu\"}", "hidden_act is 'gelu'");
        expect("{" + full + ",\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":4}}", "rope_scaling type is 'yarn'");
        expect("{" + full.replace("LlamaForCausalLM", "GPT2LMHeadModel") + "}", "architectures is 'GPT2LMHeadModel'");
        expect("{" + full + ",\"rms_norm_eps\":0}", "field 'rms_norm_eps' must be a positive number");
        expect("{" + full.replace("64", "66") + "}", "hidden_size (66) is not a multiple of num_attention_heads (4)");
        expect("{" + full + ",\"hidden_size\":65}", "is not valid JSON", "Duplicate field 'hidden_size'");
        expect("[1,2]", "is not a JSON object");
        expect("{\"a\":", "is not valid JSON");
    }

    private static void expect(String json, String... fragments) {
        var t = assertThatThrownBy(() -> parse(json)).isExactlyInstanceOf(PithException.class)
                .hasMessageStartingWith(SRC + ": ").hasMessageEndingWith(".");
        for (String f : fragments) t.hasMessageContaining(f);
    }

    private static HfConfig parse(String json) {
        return HfConfig.parse(json.getBytes(StandardCharsets.UTF_8), SRC);
    }
}
