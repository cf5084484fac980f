package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Q4_0 prompt products in 16-bit lanes from the packed copy ({@link Q4_0LaneGemm}, reached through
 * {@link PackedGemm#runBlocks}) give the bits of the scalar twin {@link PackedGemm#referenceBlocks}:
 * for 1-3 threads, partial tiles of vectors, several bands and slices, rows past the last whole group,
 * and at the limits of the 16-bit block sums.
 */
class Q4_0LaneGemmTest {
    @Test
    void everyShapeAndThreadCountGivesTheScalarTwinsBits() {
        assumeTrue(PackedGroupsChecks.available(DType.Q4_0) && LaneBands.ENABLED, "needs 512-bit vectors");
        // {rows, cols, vectors}: one group and one block; a whole tile; a partial tile with rows from the file
        // and two slices; many bands (200 vectors); a slice boundary inside the row (33 blocks).
        int[][] shapes = {{32, 32, 1}, {96, 512, 6}, {100, 640, 11}, {64, 1056, 13}, {64, 512, 200}, {160, 96, 8}};
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                for (int[] s : shapes) {
                    Tensor w = RandomTensors.matrix(DType.Q4_0, s[0], s[1], s[0] * 7L + s[1]);
                    float[] x = RandomTensors.vector(s[2] * s[1], s[2] + 3L);
                    matchesTwin(w, x, s[2], "threads=" + threads + " shape=" + java.util.Arrays.toString(s));
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void blockSumsAtTheLimitsOfSixteenBitsStayExact() {
        assumeTrue(PackedGroupsChecks.available(DType.Q4_0) && LaneBands.ENABLED, "needs 512-bit vectors");
        // Weights all -8 or +7 (and mixed halves), activation quants all ±127: block sums of ±32,512 and
        // ±28,448, with the low lanes' running sums of q·x wrapping past 16 bits.
        int rows = 64, cols = 128, n = 7;
        for (byte nibbles : new byte[] {0x00, (byte) 0xFF, 0x0F, (byte) 0xF0}) {
            Tensor w = Q4_0GroupsTest.q4_0(rows, cols, (r, b) -> Float.floatToFloat16(0.5f + r), nibbles);
            float[] x = new float[n * cols];
            for (int i = 0; i < x.length; i++) x[i] = (i / cols % 2 == 0 ? 3.5f : -3.5f);
            float[] out = matchesTwin(w, x, n, "nibbles " + nibbles);
            if (nibbles == 0) assertThat(out[0]).isCloseTo(-8f * cols * 3.5f * 0.5f, org.assertj.core.data.Percentage.withPercentage(0.1));
        }
    }

    /** The product through the packed copy equals the twin's bit for bit; returns it. */
    private static float[] matchesTwin(Tensor w, float[] x, int n, String what) {
        int rows = w.rows(), cols = w.cols();
        PackedGroups kind = PackedGroups.of(DType.Q4_0);
        assertThat(kind.packed(w)).as(what).isNotNull();
        float[] lanes = new float[n * rows], twin = new float[n * rows];
        java.util.Arrays.fill(lanes, Float.NaN);
        Activations a = new Activations().prepare(DType.Q4_0, x, n, cols);
        PackedGemm.runBlocks(DType.Q4_0, w.data(), w.rowBytes(), rows, cols, a, n, lanes, kind, kind.packed(w));
        PackedGemm.referenceBlocks(DType.Q4_0, w.data(), w.rowBytes(), rows, cols, x, n, twin);
        for (int i = 0; i < lanes.length; i++) {
            assertThat(Float.floatToRawIntBits(lanes[i])).as("%s output %d: %s vs %s", what, i, lanes[i], twin[i])
                    .isEqualTo(Float.floatToRawIntBits(twin[i]));
        }
        return lanes;
    }
}
