package dev.pith.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad input gets one clear sentence naming the file, a non-zero exit, and no stack trace. */
class BadInputTest {
    @TempDir Path dir;

    private static byte[] original() throws IOException {
        return Files.readAllBytes(CliRunner.shared("models/stories260K-f32.gguf"));
    }

    private void assertCleanFailure(Path file, String... fragments) {
        CliRunner r = CliRunner.run("info", "--model", file.toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.out()).isEmpty();
        String err = r.err().strip();
        assertThat(err.lines().count()).as("one line: %s", err).isEqualTo(1);
        assertThat(err).contains(file.toString()).doesNotContain("Exception").doesNotContain("\tat ");
        for (String f : fragments) assertThat(err).containsIgnoringCase(f);
    }

    @Test
    void truncatedGguf() throws IOException {
        byte[] b = original();
        Path p = dir.resolve("truncated.gguf");
        Files.write(p, Arrays.copyOf(b, b.length / 2));
        assertCleanFailure(p, "truncated");
    }

    @Test
    void wrongMagic() throws IOException {
        byte[] b = original();
        b[0] = 'X';
        Path p = dir.resolve("magic.gguf");
        Files.write(p, b);
        // Without the GGUF magic the file is taken for a llama2.c checkpoint, whose header is then invalid.
        assertCleanFailure(p);
    }

    @Test
    void hugeStringLength() throws IOException {
        byte[] b = original();
        // The first metadata key's length sits right after magic, version and the two counts (24 bytes).
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(24, 1L << 60);
        Path p = dir.resolve("string.gguf");
        Files.write(p, b);
        assertCleanFailure(p, "string");
    }

    @Test
    void missingFile() {
        assertCleanFailure(dir.resolve("absent.gguf"), "no such file");
    }

    @Test
    void verboseAddsTheStackTrace() throws IOException {
        byte[] b = original();
        Path p = dir.resolve("truncated.gguf");
        Files.write(p, Arrays.copyOf(b, 100));
        CliRunner r = CliRunner.run("info", "--model", p.toString(), "--verbose");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("\tat ");
    }
}
