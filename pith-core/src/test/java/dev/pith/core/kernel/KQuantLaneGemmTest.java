package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Q4_K and Q6_K prompt products in 16-bit lanes from the packed copy ({@link Q4_KLaneGemm},
 * {@link Q6_KLaneGemm}: what {@link MatMul} runs for 8 or more vectors) give the bits of the scalar
 * references {@link DotScalar#q4_K} / {@link DotScalar#q6_K} (via {@link MatMulScalar}) for every row
 * and vector: 1-3 threads, partial tiles, several bands and slices, rows past the last whole group (the
 * reference itself), and at the limits of the 16-bit sums.
 */
class KQuantLaneGemmTest {
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q4_K", "Q6_K"})
    void everyShapeAndThreadCountGivesTheReferenceBits(DType type) {
        assumeLanes(type);
        // {rows, cols, vectors}: one group, one super-block; a partial tile and 4 rows from the file; two
        // slices (5 super-blocks); many bands (150 vectors).
        int[][] shapes = {{32, 256, 8}, {100, 512, 11}, {64, 1280, 9}, {64, 256, 150}};
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                for (int[] s : shapes) {
                    Tensor w = RandomTensors.matrix(type, s[0], s[1], s[0] * 11L + s[1]);
                    PackedGroupsChecks.matchesReference(w, RandomTensors.vector(s[2] * s[1], s[2] + 5L), s[2],
                            "threads=" + threads + " shape=" + java.util.Arrays.toString(s));
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void q4_KSubBlockSumsAtTheLimitsOfSixteenBitsStayExact() {
        assumeLanes(DType.Q4_K);
        // Every nibble 0 or 15 (and mixed), every activation quant ±127, every 6-bit scale and min 63.
        int rows = 64, cols = 512, n = 9;
        for (byte nibbles : new byte[] {0x00, (byte) 0xFF, 0x0F, (byte) 0xF0}) {
            Tensor w = RandomTensors.matrix(DType.Q4_K, rows, cols, nibbles);
            MemorySegment m = w.data();
            for (long b = 0; b < w.byteSize() / 144; b++) {
                for (int j = 4; j < 16; j++) m.set(ValueLayout.JAVA_BYTE, 144 * b + j, (byte) 0xFF);
                for (int j = 16; j < 144; j++) m.set(ValueLayout.JAVA_BYTE, 144 * b + j, nibbles);
            }
            float[] x = new float[n * cols];
            for (int i = 0; i < x.length; i++) x[i] = i / cols % 2 == 0 ? 2.5f : -2.5f;
            PackedGroupsChecks.matchesReference(w, x, n, "nibbles " + nibbles);
        }
    }
    @Test
    void q6_KHalfSubBlockSumsAtTheLimitsOfSixteenBitsStayExact() {
        assumeLanes(DType.Q6_K);
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

    private static void assumeLanes(DType type) {
        assumeTrue(PackedGroupsChecks.available(type) && KQuantGemm.supports(type) && LaneBands.ENABLED, "needs 512-bit vectors");
    }
}
