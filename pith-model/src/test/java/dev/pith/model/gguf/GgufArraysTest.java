package dev.pith.model.gguf;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Metadata arrays, which the reader keeps as their bytes: strings decode with the String constructor, which
 * must replace malformed UTF-8 exactly as the lenient decoder it replaced (one REPLACE decoder per string);
 * a vocabulary-sized string array survives the writer's staging buffer; numbers of every type read back as
 * the boxes they were written from, and a file read and written again is the same bytes.
 */
class GgufArraysTest {
    @TempDir Path dir;

    @Property(tries = 2000)
    void theStringConstructorDecodesAnyBytesAsAReplacingDecoderDoes(@ForAll("utf8ish") byte[] bytes) throws CharacterCodingException {
        String lenient = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(bytes)).toString();
        assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo(lenient);
    }

    /** Mostly the bytes UTF-8 is made of (ASCII, lead and continuation bytes), so malformed sequences of every kind appear. */
    @Provide
    Arbitrary<byte[]> utf8ish() {
        Arbitrary<Byte> b = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.bytes().between((byte) 0x20, (byte) 0x7e)),
                net.jqwik.api.Tuple.of(3, Arbitraries.bytes().between((byte) 0x80, (byte) 0xbf)),
                net.jqwik.api.Tuple.of(2, Arbitraries.bytes().between((byte) 0xc0, (byte) 0xff)),
                net.jqwik.api.Tuple.of(1, Arbitraries.bytes()));
        return b.array(byte[].class).ofMaxSize(24);
    }

    @Test
    void aVocabularySizedStringArrayRoundTripsThroughTheWriter() {
        List<Object> tokens = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 70_000; i++) {
            sb.setLength(0);
            sb.append("tok").append(i);
            if (i % 7 == 0) sb.append("Ġé€😀"); // 2-, 3- and 4-byte characters
            if (i % 997 == 0) sb.append("x".repeat(70_000)); // longer than the staging buffer
            tokens.add(sb.toString());
        }
        Map<String, GgufValue> md = new LinkedHashMap<>();
        md.put("general.architecture", GgufValue.string("llama"));
        md.put("tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, tokens));
        md.put("general.flag", GgufValue.of(GgufValueType.BOOL, true));
        Path p = dir.resolve("strings.gguf");
        GgufWriter w = new GgufWriter();
        w.putAll(md);
        w.write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertThat(f.metadata().get("tokenizer.ggml.tokens").list()).isEqualTo(tokens);
            assertThat(f.metadata().get("general.flag").value()).isEqualTo(true);
        }
    }

    @Test
    void stringsThatAreNotUtf8ReadAsReplacementCharactersAndAreWrittenBackAsTheirBytes() throws java.io.IOException {
        Map<String, GgufValue> md = new LinkedHashMap<>();
        md.put("general.architecture", GgufValue.string("llama"));
        md.put("tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, List.of("a", "QQ", "bc")));
        Path p = dir.resolve("bytes.gguf");
        new GgufWriter().putAll(md).write(p);
        byte[] file = java.nio.file.Files.readAllBytes(p);
        // "QQ" becomes 0xFF 0xC3: an invalid byte, then a lead byte with no continuation (a partial byte token)
        int at = indexOf(file, "QQ".getBytes(StandardCharsets.US_ASCII));
        file[at] = (byte) 0xff;
        file[at + 1] = (byte) 0xc3;
        java.nio.file.Files.write(p, file);
        Path again = dir.resolve("again.gguf");
        try (GgufFile f = GgufFile.open(p)) {
            assertThat(f.metadata().get("tokenizer.ggml.tokens").list()).containsExactly("a", "\uFFFD\uFFFD", "bc");
            new GgufWriter().putAll(f.metadata()).write(again);
        }
        assertThat(java.nio.file.Files.readAllBytes(again)).isEqualTo(file);
    }

    @Test
    void aStringArrayThatClaimsMoreStringsThanTheFileHoldsIsRefusedNamingTheFile() throws java.io.IOException {
        Map<String, GgufValue> md = new LinkedHashMap<>();
        md.put("general.architecture", GgufValue.string("llama"));
        // a 40-byte string: the rest of the file cannot be as many strings as it has 8-byte lengths
        md.put("tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, List.of("a".repeat(40), "b", "c")));
        Path p = dir.resolve("count.gguf");
        new GgufWriter().putAll(md).write(p);
        byte[] file = java.nio.file.Files.readAllBytes(p);
        // the key, its type (ARRAY), the element type (STRING), then the count: as many strings as 8-byte lengths fit
        int count = indexOf(file, "tokenizer.ggml.tokens".getBytes(StandardCharsets.US_ASCII)) + "tokenizer.ggml.tokens".length() + 8;
        java.nio.ByteBuffer.wrap(file).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(count, (file.length - count - 8) / 8);
        java.nio.file.Files.write(p, file);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GgufFile.open(p).close())
                .isInstanceOf(dev.pith.core.PithException.class).hasMessageContaining(p.toString());
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }

    @Test
    void numberArraysOfEveryTypeReadBackAsTheirBoxesAndWriteBackAsTheirBytes() throws java.io.IOException {
        Map<String, GgufValue> md = new LinkedHashMap<>();
        md.put("general.architecture", GgufValue.string("llama"));
        md.put("a.u8", GgufValue.array(GgufValueType.UINT8, List.of(0, 255, 7)));
        md.put("a.i8", GgufValue.array(GgufValueType.INT8, List.of(-128, 127, 0)));
        md.put("a.u16", GgufValue.array(GgufValueType.UINT16, List.of(65535, 1)));
        md.put("a.i16", GgufValue.array(GgufValueType.INT16, List.of(-32768, 5)));
        md.put("a.u32", GgufValue.array(GgufValueType.UINT32, List.of(4_294_967_295L, 3L)));
        md.put("a.i32", GgufValue.array(GgufValueType.INT32, List.of(Integer.MIN_VALUE, 1, 6)));
        md.put("a.f32", GgufValue.array(GgufValueType.FLOAT32, List.of(-0.0f, Float.NaN, 1.5e-40f)));
        md.put("a.u64", GgufValue.array(GgufValueType.UINT64, List.of(-1L, 9L)));
        md.put("a.i64", GgufValue.array(GgufValueType.INT64, List.of(Long.MIN_VALUE)));
        md.put("a.f64", GgufValue.array(GgufValueType.FLOAT64, List.of(Math.PI, -1e300)));
        md.put("a.bool", GgufValue.array(GgufValueType.BOOL, List.of(true, false)));
        md.put("a.empty", GgufValue.array(GgufValueType.INT32, List.of()));
        Path p = dir.resolve("numbers.gguf"), again = dir.resolve("numbers-again.gguf");
        new GgufWriter().putAll(md).write(p);
        try (GgufFile f = GgufFile.open(p)) {
            for (var e : md.entrySet()) assertThat(f.metadata().get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
            assertThat(f.metadata().get("a.i32").list().get(2)).isInstanceOf(Integer.class);
            assertThat(f.metadata().get("a.u32").list().get(0)).isEqualTo(4_294_967_295L);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.metadata().get("a.i8").list().get(3)).isInstanceOf(IndexOutOfBoundsException.class);
            new GgufWriter().putAll(f.metadata()).write(again);
        }
        assertThat(java.nio.file.Files.readAllBytes(again)).isEqualTo(java.nio.file.Files.readAllBytes(p));
    }
}
