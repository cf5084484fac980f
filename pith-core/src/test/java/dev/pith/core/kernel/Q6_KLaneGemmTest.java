package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Q6_K prompt products in 16-bit lanes from the packed copy ({@link Q6_KLaneGemm}, what {@link MatMul}
 * runs for 8 or more vectors) give the bits of the scalar reference {@link DotScalar#q6_K} (via
 * {@link MatMulScalar}) for every row and vector: 1-3 threads, partial tiles, several bands and
 * slices, rows past the last whole group (the reference itself), and at the limits of the 16-bit sums.
 */
class Q6_KLaneGemmTest {
    @Test
    void everyShapeAndThreadCountGivesTheReferenceBits() {
        assumeTrue(PackedGroupsChecks.available(DType.Q6_K) && KQuantGemm.supports(DType.Q6_K) && Q4_0LaneGemm.ENABLED, "needs 512-bit vectors");
        // {rows, cols, vectors}: one group, one super-block; a partial tile and 4 rows from the file; two
        // slices (5 super-blocks); many bands (150 vectors).
        int[][] shapes = {{32, 256, 8}, {100, 512, 11}, {64, 1280, 9}, {64, 256, 150}};
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                for (int[] s : shapes) {
                    Tensor w = RandomTensors.matrix(DType.Q6_K, s[0], s[1], s[0] * 11L + s[1]);
                    PackedGroupsChecks.matchesReference(w, RandomTensors.vector(s[2] * s[1], s[2] + 5L), s[2],
                            "threads=" + threads + " shape=" + java.util.Arrays.toString(s));
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void halfSubBlockSumsAtTheLimitsOfSixteenBitsStayExact() {
        assumeTrue(PackedGroupsChecks.available(DType.Q6_K) && KQuantGemm.supports(DType.Q6_K) && Q4_0LaneGemm.ENABLED, "needs 512-bit vectors");
        // Every value −32 (all bits 0) or +31 (all bits 1), every activation quant ±127: half sub-block sums of
        // ±32,512 / ±31,496 in shorts, whole sub-blocks of ±65,024 in ints; scales −128 and 127.
        int rows = 64, cols = 512, n = 9;
        for (byte bits : new byte[] {0x00, (byte) 0xFF}) {
            for (byte scale : new byte[] {(byte) 0x80, 0x7F}) {
                Tensor w = RandomTensors.matrix(DType.Q6_K, rows, cols, bits + 3L * scale);
                MemorySegment m = w.data();
                for (long b = 0; b < w.byteSize() / 210; b++) {
                    for (int j = 0; j < 192; j++) m.set(ValueLayout.JAVA_BYTE, 210 * b + j, bits);
                    for (int j = 192; j < 208; j++) m.set(ValueLayout.JAVA_BYTE, 210 * b + j, scale);
                }
                float[] x = new float[n * cols];
                for (int i = 0; i < x.length; i++) x[i] = i / cols % 2 == 0 ? 2.5f : -2.5f;
                PackedGroupsChecks.matchesReference(w, x, n, "bits " + bits + " scale " + scale);
            }
        }
    }
}
