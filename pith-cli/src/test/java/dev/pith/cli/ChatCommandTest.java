package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.runtime.Generator;
import dev.pith.model.runtime.SamplerSettings;
import dev.pith.model.runtime.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** pith chat renders the conversation with the template, keeps earlier turns in the cache, and replies as plain generation from the rendered prompt would. */
class ChatCommandTest {
    @TempDir Path dir;

    private static final String TEMPLATE = "{% for m in messages %}{% if m.role == 'user' %}Question: {{ m.content }}\n{% else %}{{ m.content }}\n{% endif %}{% endfor %}"
            + "{% if add_generation_prompt %}Once upon a time{% endif %}";

    @Test
    void scriptedTurnsFollowTheTemplateAndMatchPlainGeneration() throws Exception {
        Path tpl = dir.resolve("chat.jinja");
        Files.writeString(tpl, TEMPLATE);
        String model = CliRunner.shared("models/stories260K-f32.gguf").toString();
        CliRunner r = CliRunner.run("chat", "--model", model, "--chat-template", tpl.toString(), "--prompt", "Who is Lily?",
                "--prompt", "And Ben?", "--temperature", "0", "--max-tokens", "12", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode o = Json.MAPPER.readTree(r.out());
        assertThat(o.get("turns")).hasSize(2);
        String first = o.get("turns").get(0).get("assistant").asText();
        assertThat(first).isNotBlank();
        assertThat(o.get("prompt").asText()).isEqualTo("Question: Who is Lily?\n" + first + "\nQuestion: And Ben?\n" + o.get("turns").get(1).get("assistant").asText() + "\n");

        // The second turn, computed with the cached first turn, equals a fresh generation from the whole rendered prompt.
        try (Model m = Models.load(Path.of(model))) {
            String prompt2 = "Question: Who is Lily?\n" + first + "\nQuestion: And Ben?\nOnce upon a time";
            int[] ids = m.tokenizer().encode(prompt2, m.tokenizer().addBosByDefault(), true);
            Generator.Result fresh = new Generator(new Transformer(m)).generate(ids, 12, new SamplerSettings(0, 40, 0.95f, 0.05f, 1f, 64, 42), null);
            assertThat(o.get("turns").get(1).get("prompt_tokens").asInt()).isEqualTo(ids.length);
            assertThat(o.get("turns").get(1).get("assistant").asText()).isEqualTo(m.tokenizer().decode(fresh.tokens()));
        }
    }

    @Test
    void aModelWithoutTemplateIsAClearError() {
        String model = CliRunner.shared("models/stories260K-f32.gguf").toString();
        CliRunner r = CliRunner.run("chat", "--model", model, "--prompt", "hi");
        assertThat(r.code()).isNotZero();
        assertThat(r.err().strip()).contains(model).contains("no chat template").doesNotContain("Exception");
    }
}
