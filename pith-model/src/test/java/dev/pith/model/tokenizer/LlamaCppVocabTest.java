package dev.pith.model.tokenizer;

import dev.pith.core.PithException;
import dev.pith.model.gguf.GgufFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every ggml-vocab-*.gguf shipped with llama.cpp: a supported vocabulary must reproduce its .out
 * exactly; an unsupported one must be refused with a PithException (and is listed in docs/tokenizers.md).
 */
class LlamaCppVocabTest {
    /** Vocabularies whose tokenizer model Pith does not implement. */
    static final Set<String> UNSUPPORTED = Set.of("bert-bge");

    static Stream<String> vocabularies() throws IOException {
        Path dir = VocabTestCases.vocabDir();
        assertThat(dir).isDirectory();
        List<String> names;
        try (Stream<Path> files = Files.list(dir)) {
            names = files.map(p -> p.getFileName().toString())
                    .filter(f -> f.startsWith("ggml-vocab-") && f.endsWith(".gguf"))
                    .map(f -> f.substring("ggml-vocab-".length(), f.length() - ".gguf".length()))
                    .sorted().toList();
        }
        assertThat(names).as("vocab files in " + dir).hasSizeGreaterThanOrEqualTo(10);
        return names.stream();
    }

    @ParameterizedTest
    @MethodSource("vocabularies")
    void reproducesReferenceTokenization(String name) throws IOException {
        Path gguf = VocabTestCases.vocabDir().resolve("ggml-vocab-" + name + ".gguf");
        try (GgufFile f = GgufFile.open(gguf)) {
            if (UNSUPPORTED.contains(name)) {
                assertThatThrownBy(() -> Tokenizers.fromGgufMetadata(f.metadata(), gguf))
                        .isInstanceOf(PithException.class).hasMessageContaining(gguf.toString()).hasMessageContaining("not support");
                return;
            }
            Tokenizer t = Tokenizers.fromGgufMetadata(f.metadata(), gguf);
            assertThat(t.vocabSize()).isEqualTo(f.getStringArray("tokenizer.ggml.tokens").size());
            if (!Files.exists(VocabTestCases.vocabDir().resolve("ggml-vocab-" + name + ".gguf.inp"))) {
                // No test vectors upstream (baichuan, gpt-neox): at least every plain string round-trips.
                for (String s : List.of("Hello world", " Hello  World!\n\ttabs", "naïve café 東京 🦙"))
                    assertThat(t.decode(t.encode(s))).isEqualTo(s);
                return;
            }
            VocabTestCases cases = VocabTestCases.load(name);
            assertThat(cases.mismatches(t)).as(name).isEmpty();
        }
    }
}
