package dev.pith.model.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.core.PithException;
import dev.pith.model.TestData;
import dev.pith.model.gguf.GgufFile;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Chat templates rendered by Pith's Jinja against Jinja2 as transformers configures it
 * (fixtures from tools/fixtures/make_chat_fixtures.py): the Llama 3, Qwen3 (tools, thinking),
 * TinyLlama and Phi-3 templates from ../shared, ChatML (SmolLM2, Qwen2), Mistral's [INST] format
 * and a tour of the language features, over several conversations, byte for byte.
 */
class ChatTemplateTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    List<DynamicTest> rendersExactlyAsJinja2() throws IOException {
        JsonNode fixtures;
        try (InputStream in = getClass().getResourceAsStream("/chat/chat-fixtures.json")) {
            fixtures = JSON.readTree(in);
        }
        List<DynamicTest> tests = new ArrayList<>();
        Map<String, String> sources = new LinkedHashMap<>();
        for (JsonNode c : fixtures.get("cases")) {
            String name = c.get("template").asText() + " / " + c.get("conversation").asText() + (c.get("add_generation_prompt").asBoolean() ? " + generation prompt" : "");
            tests.add(DynamicTest.dynamicTest(name, () -> {
                String text = sources.computeIfAbsent(c.get("source").asText() + c.path("template_text").asText(), k -> templateText(c));
                Map<String, Object> vars = new LinkedHashMap<>();
                vars.put("messages", JSON.convertValue(c.get("messages"), List.class));
                vars.put("add_generation_prompt", c.get("add_generation_prompt").asBoolean());
                vars.put("bos_token", c.get("bos_token").asText());
                vars.put("eos_token", c.get("eos_token").asText());
                vars.putAll(JSON.convertValue(c.get("extra"), Map.class));
                JinjaTemplate t = JinjaTemplate.compile(text);
                if (c.has("error")) {
                    assertThatThrownBy(() -> t.render(vars)).isInstanceOf(JinjaException.class).hasMessageContaining(c.get("error").asText());
                } else {
                    assertThat(t.render(vars)).isEqualTo(c.get("expected").asText());
                }
            }));
        }
        assertThat(tests).hasSizeGreaterThan(40);
        return tests;
    }

    private static String templateText(JsonNode c) {
        String source = c.get("source").asText();
        try {
            if (source.equals("inline")) return c.get("template_text").asText();
            if (source.startsWith("hf:")) {
                var cfg = JSON.readTree(Files.readString(TestData.data("tokenizers/hf/" + source.substring(3) + "/tokenizer_config.json")));
                return cfg.get("chat_template").asText();
            }
            try (GgufFile g = GgufFile.open(TestData.data("tokenizers/llama.cpp-vocab/" + source.substring(5)))) {
                return (String) g.get("tokenizer.chat_template").value();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void chatTemplateWrapsErrorsAsOneSentence() {
        ChatTemplate t = new ChatTemplate("{{ raise_exception('no system role') }}", "<s>", "</s>");
        assertThatThrownBy(() -> t.apply(List.of(new ChatTemplate.Message("user", "hi")), true))
                .isInstanceOf(PithException.class).hasMessageContaining("no system role");
        assertThatThrownBy(() -> new ChatTemplate("{% if %}", "", "")).isInstanceOf(PithException.class).hasMessageContaining("cannot be parsed");
        assertThatThrownBy(() -> new ChatTemplate("{% for x in y %}", "", "")).isInstanceOf(PithException.class).hasMessageContaining("endfor");
        assertThatThrownBy(() -> new ChatTemplate("{{ 'unclosed }}", "", "")).isInstanceOf(PithException.class).hasMessageContaining("not closed");
    }

    @Test
    void floatsPrintAsPythonDoes() {
        assertThat(JinjaValues.floatRepr(0.1 + 0.2)).isEqualTo("0.30000000000000004");
        assertThat(JinjaValues.floatRepr(1e-7)).isEqualTo("1e-07");
        assertThat(JinjaValues.floatRepr(1e16)).isEqualTo("1e+16");
        assertThat(JinjaValues.floatRepr(123456789.0)).isEqualTo("123456789.0");
        assertThat(JinjaValues.floatRepr(-2.5)).isEqualTo("-2.5");
        assertThat(JinjaValues.floatRepr(0.0001)).isEqualTo("0.0001");
    }
}
