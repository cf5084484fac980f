package dev.pith.model.gguf;

import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded random mutations of a real GGUF header (stories260K-q4_0.gguf, as written by llama.cpp):
 * each mutated file either reads or fails with a {@link PithException} naming the file; no other
 * exception type and no OutOfMemoryError.
 */
class GgufFuzzTest {
    private static final long SEED = 20_240_601L;
    private static final int ROUNDS = 3000;
    private static final long[] EXTREMES = {0, 1, -1, 1L << 31, (1L << 32) - 1, 1L << 32, 1L << 60, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE};

    @TempDir Path tmp;

    @Test
    void randomHeaderMutationsFailOnlyWithPithException() throws IOException {
        byte[] original = Files.readAllBytes(TestData.model("stories260K-q4_0.gguf"));
        int headerEnd;
        try (GgufFile f = GgufFile.open(TestData.model("stories260K-q4_0.gguf"))) {
            headerEnd = Math.toIntExact(f.dataOffset());
        }
        Random rnd = new Random(SEED);
        Path p = tmp.resolve("mutant.gguf");
        int refused = 0, read = 0;
        for (int round = 0; round < ROUNDS; round++) {
            byte[] mutant = mutate(original, headerEnd, rnd);
            Files.write(p, mutant);
            try (GgufFile f = GgufFile.open(p)) {
                touch(f);
                read++;
            } catch (PithException e) {
                assertThat(e.getMessage()).as("round %d", round).contains(p.toString());
                refused++;
            } catch (Throwable t) {
                fail("round " + round + " (seed " + SEED + "): " + t + " is not a PithException", t);
            }
        }
        // Both outcomes must occur, or the mutations did not exercise the reader.
        assertThat(refused).isGreaterThan(ROUNDS / 10);
        assertThat(read).isGreaterThan(0);
    }

    private static byte[] mutate(byte[] original, int headerEnd, Random rnd) {
        byte[] m = original.clone();
        int edits = 1 + rnd.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = rnd.nextInt(headerEnd);
            switch (rnd.nextInt(4)) {
                case 0 -> m[at] = (byte) rnd.nextInt(256);
                case 1 -> m[at] ^= (byte) (1 << rnd.nextInt(8));
                case 2 -> { // a whole length/count/offset field set to an extreme value
                    long v = EXTREMES[rnd.nextInt(EXTREMES.length)];
                    for (int i = 0; i < 8 && at + i < m.length; i++) m[at + i] = (byte) (v >>> (8 * i));
                }
                default -> { // cut the file short
                    return Arrays.copyOf(m, rnd.nextInt(m.length));
                }
            }
        }
        return m;
    }

    /** Reads what a successfully parsed file offers, as a user of it would. */
    private static void touch(GgufFile f) {
        for (var e : f.metadata().entrySet()) {
            assertThat(e.getKey()).isNotNull();
            assertThat(e.getValue().toString()).isNotNull();
        }
        for (Tensor t : f.tensors().values()) {
            long n = t.byteSize();
            if (n > 0) t.data().get(java.lang.foreign.ValueLayout.JAVA_BYTE, n - 1);
        }
    }
}
