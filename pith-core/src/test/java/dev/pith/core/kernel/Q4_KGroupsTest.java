package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.quant.KScales;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Generation's Q4_K product on repacked rows ({@link Q4_KGroups}) gives exactly the bits of the
 * scalar reference {@link DotScalar#q4_K} for every row and thread split, for short batches, and at
 * the limits of its 16-bit sub-block sums; a tensor with an infinite d is not packed.
 */
class Q4_KGroupsTest {
    @Test
    void subBlockSumsAtTheLimitsOfSixteenBitsStayExact() {
        assumeTrue(PackedGroupsChecks.available(DType.Q4_K), "needs 512-bit vectors");
        // Every nibble 0 or 15 and every activation quant ±127: Σ(q−8)·x = ±32,512 / ±28,448 per sub-block,
        // Σq·x up to 60,960 (wrapping in the low nibbles' lanes); scales and mins at 63.
        int rows = 64, cols = 512;
        for (byte nibbles : new byte[] {0x00, (byte) 0xFF, 0x0F, (byte) 0xF0}) {
            Tensor w = RandomTensors.matrix(DType.Q4_K, rows, cols, nibbles);
            MemorySegment m = w.data();
            for (long b = 0; b < w.byteSize() / 144; b++) {
                for (int j = 4; j < 16; j++) m.set(ValueLayout.JAVA_BYTE, 144 * b + j, (byte) 0xFF); // every 6-bit scale and min 63
                for (int j = 16; j < 144; j++) m.set(ValueLayout.JAVA_BYTE, 144 * b + j, nibbles);
            }
            assertThat(KScales.scaleK4(m, 4, 7)).isEqualTo(63);
            for (float sign : new float[] {1f, -1f}) {
                float[] x = new float[cols];
                java.util.Arrays.fill(x, 2.5f * sign);
                PackedGroupsChecks.matchesReference(w, x, 1, "nibbles " + nibbles + " sign " + sign);
            }
        }
    }

    @Test
    void theRepackedBlockHoldsEveryQuantScaleAndMinOnce() {
        Random rnd = new Random(8);
        byte[] in = new byte[PackedGroups.G * 144], out = new byte[Q4_KGroups.GROUP_BLOCK];
        for (int trial = 0; trial < 20; trial++) {
            rnd.nextBytes(in);
            Q4_KGroups.KIND.packBlock(in, out);
            MemorySegment src = MemorySegment.ofArray(in);
            for (int i = 0; i < PackedGroups.G; i++) {
                assertThat(out[Q4_KGroups.D + 2 * i]).isEqualTo(in[144 * i]);
                assertThat(out[Q4_KGroups.DMIN + 2 * i + 1]).isEqualTo(in[144 * i + 3]);
                for (int sub = 0; sub < 8; sub++) {
                    assertThat(out[Q4_KGroups.scales(sub) + i]).isEqualTo((byte) KScales.scaleK4(src, 144L * i + 4, sub));
                    assertThat(out[Q4_KGroups.mins(sub) + i]).isEqualTo((byte) KScales.minK4(src, 144L * i + 4, sub));
                }
                for (int c = 0; c < 256; c++) {
                    int sub = c / 32, q = ((in[144 * i + 16 + 32 * (sub / 2) + c % 32] & 0xFF) >> (4 * (sub % 2))) & 0xF;
                    int packed = out[Q4_KGroups.quants(c) + (i & 15)];
                    int got = i < 16 ? (packed & 0xF) : (packed >> 4) + 8;
                    assertThat(got).as("row %d column %d", i, c).isEqualTo(q);
                }
            }
        }
    }

}
