package dev.pith.model.gguf;

import dev.pith.core.PithException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hostile or broken GGUF headers end in a {@link PithException} whose message names the file,
 * never in another exception type or an OutOfMemoryError. The file used is a small valid GGUF
 * built field by field (see {@link #buildSmallFile()}), so each test corrupts one known field.
 */
class GgufBadInputTest {
    @TempDir Path tmp;

    private byte[] good;
    // Offsets of the fields the tests corrupt.
    private int magicAt, keyLengthAt, arrayCountAt, dim0At, typeAt, offsetAt, headerEnd;

    @BeforeEach
    void buildSmallFile() {
        GgufBytes b = new GgufBytes();
        magicAt = b.mark();
        b.u32(0x46554747).u32(3).u64(1).u64(3);
        keyLengthAt = b.mark();
        b.str("general.architecture").u32(GgufValueType.STRING.id()).str("llama");
        b.str("general.alignment").u32(GgufValueType.UINT32.id()).u32(32);
        b.str("tokenizer.ggml.tokens").u32(GgufValueType.ARRAY.id()).u32(GgufValueType.STRING.id());
        arrayCountAt = b.mark();
        b.u64(2).str("a").str("b");
        b.str("t").u32(2);
        dim0At = b.mark();
        b.u64(4).u64(2);
        typeAt = b.mark();
        b.u32(0); // F32
        offsetAt = b.mark();
        b.u64(0);
        headerEnd = b.mark();
        b.padTo(32);
        byte[] data = new byte[4 * 2 * 4];
        for (int i = 0; i < data.length; i++) data[i] = (byte) i;
        b.bytes(data);
        good = b.toBytes();
    }

    @Test
    void theUncorruptedFileReads() throws IOException {
        try (GgufFile f = GgufFile.open(write("good.gguf", good))) {
            assertThat(f.getString("general.architecture")).isEqualTo("llama");
            assertThat(f.getStringArray("tokenizer.ggml.tokens")).containsExactly("a", "b");
            assertThat(f.tensor("t").shape()).containsExactly(4, 2);
            assertThat(f.tensor("t").byteSize()).isEqualTo(32);
        }
    }

    @Test
    void everyCutPointAcrossTheHeaderAndDataFails() throws IOException {
        // Every prefix shorter than the whole file, down to the empty file, is refused.
        for (int cut = 0; cut < good.length; cut++) {
            Path p = write("cut-" + cut + ".gguf", Arrays.copyOf(good, cut));
            int at = cut;
            assertThatThrownBy(() -> GgufFile.open(p).close())
                    .as("file cut at byte %d of %d (header ends at %d)", at, good.length, headerEnd)
                    .isInstanceOf(PithException.class)
                    .hasMessageContaining(p.toString());
        }
    }

    @Test
    void wrongMagic() throws IOException {
        expectFailure("magic.gguf", GgufBytes.patch(good, magicAt, 4, 0x46554746), "not a GGUF file");
    }

    @Test
    void tensorOffsetPastTheEnd() throws IOException {
        expectFailure("offset.gguf", GgufBytes.patch(good, offsetAt, 8, 1L << 40), "past the end");
        expectFailure("offset-near.gguf", GgufBytes.patch(good, offsetAt, 8, 32), "past the end");
        expectFailure("offset-overflow.gguf", GgufBytes.patch(good, offsetAt, 8, Long.MAX_VALUE & ~31L), "past the end");
    }

    @Test
    void unknownTensorType() throws IOException {
        expectFailure("type.gguf", GgufBytes.patch(good, typeAt, 4, 99), "ggml type 99");
        expectFailure("type-negative.gguf", GgufBytes.patch(good, typeAt, 4, 0xFFFFFFFFL), "ggml type");
    }

    @Test
    void stringLengthOfTwoToTheSixty() throws IOException {
        expectFailure("string.gguf", GgufBytes.patch(good, keyLengthAt, 8, 1L << 60), "string");
        expectFailure("string-negative.gguf", GgufBytes.patch(good, keyLengthAt, 8, -1L), "string");
    }

    @Test
    void arrayCountOfTwoToTheSixtyTwo() throws IOException {
        expectFailure("array.gguf", GgufBytes.patch(good, arrayCountAt, 8, 1L << 62), "array");
        expectFailure("array-negative.gguf", GgufBytes.patch(good, arrayCountAt, 8, -1L), "array");
    }

    @Test
    void hugeDimensions() throws IOException {
        expectFailure("dim.gguf", GgufBytes.patch(good, dim0At, 8, 1L << 60), null);
        expectFailure("dim-negative.gguf", GgufBytes.patch(good, dim0At, 8, -4L), "dimension");
        // 2^62 x 2 elements: the element count overflows a long.
        expectFailure("dim-count.gguf", GgufBytes.patch(good, dim0At, 8, 1L << 62), "overflows");
        // 2^30 x 2^32 F32: 2^62 elements fit a long but 2^64 bytes wrap to 0, which must not "fit" the file.
        byte[] wrap = GgufBytes.patch(GgufBytes.patch(good, dim0At, 8, 1L << 30), dim0At + 8, 8, 1L << 32);
        expectFailure("dim-bytes.gguf", wrap, "overflows");
    }

    private void expectFailure(String name, byte[] bytes, String messagePart) throws IOException {
        Path p = write(name, bytes);
        var thrown = assertThatThrownBy(() -> GgufFile.open(p).close())
                .isInstanceOf(PithException.class)
                .hasMessageContaining(p.toString());
        if (messagePart != null) thrown.hasMessageContaining(messagePart);
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, bytes);
        return p;
    }
}
