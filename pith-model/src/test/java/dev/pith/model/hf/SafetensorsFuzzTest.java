package dev.pith.model.hf;

import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Thousands of mutated safetensors files, each parsed in memory: the only exception allowed is a
 * PithException, and anything accepted must describe tensors that lie inside the bytes.
 */
class SafetensorsFuzzTest {
    private static final int CASES = 20_000;
    private static final Path NAME = Path.of("fuzz.safetensors");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+");
    private static final List<String> DTYPES = List.of("F32", "F16", "BF16", "I64", "BOOL", "F8_E4M3", "", "f32", "F32\\u0000", "Q4_0");
    private static final List<String> NUMBERS = List.of("0", "-1", "1", "3", "7", "4294967296", "9223372036854775807",
            "9223372036854775808", "18446744073709551615", "-9223372036854775808", "1e308", "1.5", "-0", "null", "\"8\"",
            "[]", "{}", "99999999999999999999999999");

    @TempDir Path tmp;

    @Test
    void mutatedHeadersOnlyEverGivePithExceptions() {
        Random rnd = new Random(0x5afe7e25L);
        List<byte[]> seeds = seeds(rnd);
        int accepted = 0, rejected = 0;
        for (int i = 0; i < CASES; i++) {
            byte[] base = seeds.get(rnd.nextInt(seeds.size()));
            byte[] mutated = base;
            int rounds = 1 + rnd.nextInt(3);
            for (int r = 0; r < rounds; r++) mutated = mutate(mutated, rnd);
            try {
                var parsed = SafetensorsHeader.parse(NAME, MemorySegment.ofArray(mutated));
                for (Tensor t : parsed.tensors().values()) {
                    assertThat(t.data().byteSize()).isLessThanOrEqualTo(mutated.length - parsed.dataStart());
                }
                accepted++;
            } catch (PithException e) {
                assertThat(e.getMessage()).startsWith(NAME.toString());
                rejected++;
            } catch (Throwable t) {
                fail("case " + i + " threw " + t + " for input " + preview(mutated), t);
            }
        }
        // The mutations must reach deep into validation, not just break the first check every time.
        assertThat(accepted).isGreaterThan(CASES / 100);
        assertThat(rejected).isGreaterThan(CASES / 2);
    }

    @Test
    void deeplyNestedHeaderIsRejectedCleanly() {
        String deep = "{\"a\":" + "[".repeat(200_000) + "]".repeat(200_000) + "}";
        byte[] b = SafetensorsBadInputTest.file(deep, 0);
        try {
            SafetensorsHeader.parse(NAME, MemorySegment.ofArray(b));
            fail("a 200000-deep header was accepted");
        } catch (PithException e) {
            assertThat(e.getMessage()).startsWith(NAME.toString()).contains("not valid JSON");
        }
    }

    @Test
    void mutatedFilesOnDiskOnlyEverGivePithExceptions() throws Exception {
        Random rnd = new Random(42);
        List<byte[]> seeds = seeds(rnd);
        for (int i = 0; i < 300; i++) {
            byte[] b = mutate(seeds.get(rnd.nextInt(seeds.size())), rnd);
            Path p = tmp.resolve("f" + i + ".safetensors");
            Files.write(p, b);
            try (Safetensors f = Safetensors.open(p)) {
                assertThat(f.path()).isEqualTo(p);
            } catch (PithException e) {
                assertThat(e.getMessage()).startsWith(p.toString());
            }
        }
    }

    /** Small valid files of every dtype, several tensors each, written by Pith's writer. */
    private List<byte[]> seeds(Random rnd) {
        try {
            byte[][] out = new byte[6][];
            for (int s = 0; s < out.length; s++) {
                SafetensorsWriter w = new SafetensorsWriter();
                int n = 1 + rnd.nextInt(4);
                for (int t = 0; t < n; t++) {
                    DType type = List.of(DType.F32, DType.F16, DType.BF16).get(rnd.nextInt(3));
                    long[] shape = rnd.nextBoolean() ? new long[] {1 + rnd.nextInt(4)} : new long[] {1 + rnd.nextInt(3), 1 + rnd.nextInt(3)};
                    w.add("model.layers." + t + ".w", SafetensorsTest.random("w", type, shape, rnd.nextLong()));
                }
                Path p = tmp.resolve("seed" + s + ".safetensors");
                w.write(p);
                out[s] = Files.readAllBytes(p);
            }
            return List.of(out);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] mutate(byte[] in, Random rnd) {
        int headerLen = in.length >= 8 ? (int) Math.min(Math.max(0, ByteBuffer.wrap(in, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong()), in.length - 8) : 0;
        switch (rnd.nextInt(9)) {
            case 0 -> { // flip a byte in the header
                byte[] b = in.clone();
                if (b.length > 8) b[8 + rnd.nextInt(Math.max(1, Math.min(headerLen, b.length - 8)))] ^= (byte) (1 << rnd.nextInt(8));
                else if (b.length > 0) b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                return b;
            }
            case 1 -> { // another declared header length
                byte[] b = in.clone();
                if (b.length < 8) return b;
                long[] choices = {headerLen + rnd.nextInt(17) - 8, rnd.nextLong(), Long.MAX_VALUE, -1, 0, in.length, 100_000_001};
                ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(choices[rnd.nextInt(choices.length)]);
                return b;
            }
            case 2 -> { // truncate
                return Arrays.copyOf(in, rnd.nextInt(in.length + 1));
            }
            case 3 -> { // append bytes
                byte[] b = Arrays.copyOf(in, in.length + 1 + rnd.nextInt(16));
                for (int i = in.length; i < b.length; i++) b[i] = (byte) rnd.nextInt(256);
                return b;
            }
            default -> { // rewrite the JSON text: numbers, dtypes, duplicated or deleted entries
                if (in.length < 8 + headerLen || headerLen == 0) return in;
                String h = new String(in, 8, headerLen, StandardCharsets.UTF_8);
                String m = switch (rnd.nextInt(5)) {
                    case 0 -> replaceNth(h, NUMBER, NUMBERS.get(rnd.nextInt(NUMBERS.size())), rnd);
                    case 1 -> h.replaceFirst("\"(F32|F16|BF16)\"", "\"" + DTYPES.get(rnd.nextInt(DTYPES.size())) + "\"");
                    case 2 -> h.replaceFirst("(\"model\\.layers\\.0\\.w\":\\{[^}]*\\})", "$1,$1");
                    case 3 -> h.replaceFirst(",\"model\\.layers\\.\\d\\.w\":\\{[^}]*\\}", "");
                    default -> h.replaceFirst("\"shape\":\\[[^]]*\\]", "\"shape\":[" + NUMBERS.get(rnd.nextInt(NUMBERS.size())) + "]");
                };
                byte[] mh = m.getBytes(StandardCharsets.UTF_8);
                byte[] data = Arrays.copyOfRange(in, 8 + headerLen, in.length);
                ByteBuffer out = ByteBuffer.allocate(8 + mh.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
                out.putLong(mh.length).put(mh).put(data);
                return out.array();
            }
        }
    }

    private static String replaceNth(String s, Pattern p, String with, Random rnd) {
        Matcher m = p.matcher(s);
        int count = 0;
        while (m.find()) count++;
        if (count == 0) return s;
        int target = rnd.nextInt(count);
        m.reset();
        for (int i = 0; m.find(); i++) {
            if (i == target) return s.substring(0, m.start()) + with + s.substring(m.end());
        }
        return s;
    }

    private static String preview(byte[] b) {
        return new String(b, 0, Math.min(b.length, 400), StandardCharsets.ISO_8859_1);
    }
}
