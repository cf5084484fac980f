package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Q8_0 packed kernel ({@link Q8_0Groups}) at the limits of its 16-bit pair sums, and its layout;
 * {@link PackedGroupsTest} covers shapes, threads and batches.
 */
class Q8_0GroupsTest {
    @Test
    void pairSumsAtTheLimitsOfSixteenBitsStayExact() {
        assumeTrue(PackedGroupsChecks.available(DType.Q8_0), "needs 512-bit vectors");
        // Every weight quant −128 or 127 (a file may hold −128) and every activation quant ±127: two
        // products sum to ±32,512 / ±32,258 in the 16-bit lanes, a block to ±520,192 in the 32-bit ones.
        int rows = 64, cols = 256;
        for (byte q : new byte[] {-128, 127}) {
            Tensor w = RandomTensors.matrix(DType.Q8_0, rows, cols, q);
            for (long b = 0; b < w.byteSize() / 34; b++) {
                for (int j = 2; j < 34; j++) w.data().set(ValueLayout.JAVA_BYTE, 34 * b + j, q);
            }
            for (float sign : new float[] {1f, -1f}) {
                float[] x = new float[cols];
                java.util.Arrays.fill(x, 1.5f * sign);
                PackedGroupsChecks.matchesReference(w, x, 1, "quant " + q + " sign " + sign);
            }
        }
    }

    @Test
    void theRepackedBlockHoldsEveryQuantAndScaleOnce() {
        Random rnd = new Random(4);
        byte[] in = new byte[PackedGroups.G * 34], out = new byte[PackedGroups.G * 34];
        rnd.nextBytes(in);
        Q8_0Groups.KIND.packBlock(in, out);
        for (int i = 0; i < PackedGroups.G; i++) {
            assertThat(out[Q8_0Groups.scales() + 2 * i]).isEqualTo(in[34 * i]);
            assertThat(out[Q8_0Groups.scales() + 2 * i + 1]).isEqualTo(in[34 * i + 1]);
            for (int k = 0; k < 32; k++) assertThat(out[Q8_0Groups.quants(k) + i]).as("row %d column %d", i, k).isEqualTo(in[34 * i + 2 + k]);
        }
    }
}
