package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Q5_0 prompt products in 16-bit lanes on the prompt copy ({@link Q5_0LaneGemm}, what {@link MatMul}
 * runs for 8 or more vectors) give the bits of the scalar twin {@link PackedGemm#referenceBlocks}:
 * 1-3 threads, partial tiles, bands, slices, rows past the last whole group, and at the limits of the
 * 16-bit half-block sums.
 */
class Q5_0LaneGemmTest {
    @Test
    void everyShapeAndThreadCountGivesTheScalarTwinsBits() {
        assumeLanes();
        int[][] shapes = {{32, 32, 8}, {100, 576, 11}, {64, 1088, 9}, {64, 96, 150}};
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                for (int[] s : shapes) {
                    Tensor w = RandomTensors.matrix(DType.Q5_0, s[0], s[1], s[0] * 13L + s[1]);
                    matchesTwin(w, RandomTensors.vector(s[2] * s[1], s[2] + 9L), s[2], "threads=" + threads + " shape=" + java.util.Arrays.toString(s));
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void halfBlockSumsAtTheLimitsOfSixteenBitsStayExact() {
        assumeLanes();
        // Every value −16 (all bits 0) or +15 (all bits 1), every activation quant ±127: half-block sums of
        // ±32,512 / ±30,480 in shorts, whole blocks of ±65,024 in ints.
        int rows = 64, cols = 256, n = 9;
        for (byte bits : new byte[] {0x00, (byte) 0xFF}) {
            Tensor w = RandomTensors.matrix(DType.Q5_0, rows, cols, bits + 1L);
            MemorySegment m = w.data();
            for (long b = 0; b < w.byteSize() / 22; b++) {
                for (int j = 2; j < 22; j++) m.set(ValueLayout.JAVA_BYTE, 22 * b + j, bits);
            }
            float[] x = new float[n * cols];
            for (int i = 0; i < x.length; i++) x[i] = i / cols % 2 == 0 ? 2.5f : -2.5f;
            float[] out = matchesTwin(w, x, n, "bits " + bits);
            assertThat(out[0]).isNotZero();
        }
    }

    private static float[] matchesTwin(Tensor w, float[] x, int n, String what) {
        int rows = w.rows(), cols = w.cols();
        float[] lanes = new float[n * rows], twin = new float[n * rows];
        java.util.Arrays.fill(lanes, Float.NaN);
        MatMul.matmul(w, x, n, lanes);
        assertThat(Q5_0LaneGemm.copy(w)).as(what).isNotNull();
        PackedGemm.referenceBlocks(DType.Q5_0, w.data(), w.rowBytes(), rows, cols, x, n, twin);
        for (int i = 0; i < lanes.length; i++) {
            assertThat(Float.floatToRawIntBits(lanes[i])).as("%s output %d: %s vs %s", what, i, lanes[i], twin[i])
                    .isEqualTo(Float.floatToRawIntBits(twin[i]));
        }
        return lanes;
    }

    private static void assumeLanes() {
        assumeTrue(PackedGemm.supportsBlocks(DType.Q5_0) && LaneBands.ENABLED, "needs 512-bit vectors");
    }
}
