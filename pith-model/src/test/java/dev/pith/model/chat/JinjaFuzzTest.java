package dev.pith.model.chat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatCode;

/** Any template text, however broken, either renders or fails with a JinjaException: never another exception, a hang or a stack overflow. */
class JinjaFuzzTest {
    private static final List<String> PIECES = List.of("{{", "}}", "{%", "%}", "{#", "#}", "{%-", "-%}", " ", "\n", "if", "elif", "else", "endif",
            "for", "in", "endfor", "set", "endset", "macro", "endmacro", "break", "x", "m", "messages", "loop", "ns", "namespace(", "=", "==",
            "'a'", "\"b", "1", "2.5", "[", "]", "(", ")", "{", "}", ":", "::-1", ",", ".", "|", "trim", "tojson", "length", "is", "not", "defined",
            "and", "or", "~", "+", "-", "*", "/", "//", "%", "**", "role", "content", "raw", "endraw", "range(", "none", "true");

    @Provide
    Arbitrary<String> templates() {
        return Arbitraries.of(PIECES).list().ofMaxSize(40).map(l -> String.join("", l));
    }

    @Property(tries = 3000)
    void brokenTemplatesFailCleanly(@ForAll("templates") String source) {
        Map<String, Object> vars = Map.of("messages", List.of(Map.of("role", "user", "content", "hi")), "x", 3L);
        assertThatCode(() -> {
            try {
                JinjaTemplate.compile(source).render(vars);
            } catch (JinjaException expected) {
                // a clear message is the defined failure
            }
        }).doesNotThrowAnyException();
    }
}
