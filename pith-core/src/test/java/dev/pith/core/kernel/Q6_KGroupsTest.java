package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Generation's Q6_K product on repacked rows ({@link Q6_KGroups}) gives exactly the bits of the
 * scalar reference {@link DotScalar#q6_K} for every row and thread split, for short batches, and at
 * the limits of its 16-bit half sub-block sums; a tensor with an infinite d is not packed.
 */
class Q6_KGroupsTest {
    @Test
    void subBlockSumsAtTheLimitsOfSixteenBitsStayExact() {
        assumeTrue(PackedGroupsChecks.available(DType.Q6_K), "needs 512-bit vectors");
        // Every value −32 (all bits 0) or +31 (all bits 1), every activation quant ±127: half
        // sub-block sums of ±32,512 / ±31,496 and sub-block sums of ±65,024 (past a short); scales ±127/−128.
        int rows = 64, cols = 512;
        for (byte bits : new byte[] {0x00, (byte) 0xFF}) {
            for (byte scale : new byte[] {127, -128}) {
                Tensor w = RandomTensors.matrix(DType.Q6_K, rows, cols, bits + scale);
                MemorySegment m = w.data();
                for (long b = 0; b < w.byteSize() / 210; b++) {
                    for (int j = 0; j < 192; j++) m.set(ValueLayout.JAVA_BYTE, 210 * b + j, bits);
                    for (int j = 192; j < 208; j++) m.set(ValueLayout.JAVA_BYTE, 210 * b + j, scale);
                }
                for (float sign : new float[] {1f, -1f}) {
                    float[] x = new float[cols];
                    java.util.Arrays.fill(x, 2.5f * sign);
                    PackedGroupsChecks.matchesReference(w, x, 1, "bits " + bits + " scale " + scale + " sign " + sign);
                }
            }
        }
    }

    @Test
    void theRepackedBlockHoldsEveryValueAndScaleOnce() {
        Random rnd = new Random(8);
        byte[] in = new byte[PackedGroups.G * 210], out = new byte[Q6_KGroups.GROUP_BLOCK];
        for (int trial = 0; trial < 10; trial++) {
            rnd.nextBytes(in);
            for (int i = 0; i < PackedGroups.G; i++) in[210 * i + 209] &= (byte) 0xBF; // d finite: exponent below all-ones
            Q6_KGroups.KIND.packBlock(in, out);
            MemorySegment src = MemorySegment.ofArray(in);
            for (int i = 0; i < PackedGroups.G; i++) {
                assertThat(out[Q6_KGroups.D + 2 * i]).isEqualTo(in[210 * i + 208]);
                for (int g = 0; g < 16; g++) assertThat(out[Q6_KGroups.scales(g) + i]).isEqualTo(in[210 * i + 192 + g]);
                float[] values = new float[256];
                dev.pith.core.quant.Dequantizer.dequantize(DType.Q6_K, src, 210L * i, values, 0, 256);
                float d = Float.float16ToFloat((short) ((in[210 * i + 208] & 0xFF) | in[210 * i + 209] << 8));
                for (int c = 0; c < 256; c++) {
                    int scale = in[210 * i + 192 + c / 16];
                    assertThat(d * scale * out[Q6_KGroups.quants(c) + i]).as("row %d column %d", i, c).isEqualTo(values[c]);
                }
            }
        }
    }

}
