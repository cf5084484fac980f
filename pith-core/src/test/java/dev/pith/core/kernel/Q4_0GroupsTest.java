package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Generation's Q4_0 product on repacked rows ({@link Q4_0Groups}) gives exactly the bits of the
 * scalar reference {@link DotScalar#q4_0} (via {@link MatMulScalar}), for every row: whole groups,
 * the rows past the last whole group, and the rows a thread's range cuts off a group; at the limits
 * of the 16-bit block sums; with subnormal and negative scales. A tensor with an infinite or NaN
 * scale is not packed.
 */
class Q4_0GroupsTest {
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void blockSumsAtTheLimitsOfSixteenBitsStayExact() {
        assumeTrue(PackedGroupsChecks.available(DType.Q4_0), "needs 512-bit vectors");
        // Every weight -8 (nibble 0) or +7 (nibble 15), every activation quant ±127: block sums of
        // ±32,512 and ±28,448, and running lane sums of Σq·x up to 60,960 that wrap (low nibbles).
        int rows = 64, cols = 128;
        for (int pattern = 0; pattern < 4; pattern++) {
            byte nibbles = switch (pattern) {
                case 0 -> (byte) 0x00;
                case 1 -> (byte) 0xFF;
                case 2 -> (byte) 0x0F;
                default -> (byte) 0xF0;
            };
            Tensor w = q4_0(rows, cols, (r, b) -> Float.floatToFloat16(1f), nibbles);
            for (float sign : new float[] {1f, -1f}) {
                float[] x = new float[cols];
                java.util.Arrays.fill(x, 3.5f * sign);
                PackedGroupsChecks.matchesReference(w, x, 1, "pattern " + pattern + " sign " + sign);
                float[] out = new float[rows];
                MatMul.matvec(w, x, out);
                if (pattern == 0) assertThat(out[0]).isCloseTo(-8f * cols * 3.5f * sign, org.assertj.core.data.Percentage.withPercentage(0.1));
            }
        }
    }

    @Test
    void subnormalAndNegativeScalesGiveTheReferenceBits() {
        assumeTrue(PackedGroupsChecks.available(DType.Q4_0), "needs 512-bit vectors");
        Random rnd = new Random(5);
        int rows = 96, cols = 256;
        // Scales from the whole fp16 range but infinities/NaNs: subnormals (exponent 0), tiny and large normals, both signs.
        Tensor w = q4_0(rows, cols, (r, b) -> (short) ((rnd.nextInt(0x7C00)) | (rnd.nextBoolean() ? 0x8000 : 0)), (byte) 0);
        randomiseQuants(w, new Random(7));
        for (int i = 0; i < rows * cols / 32; i += 3) w.data().set(HALF, 18L * i, (short) (1 + rnd.nextInt(0x3FF))); // a third subnormal
        float[] x = RandomTensors.vector(cols, 11);
        PackedGroupsChecks.matchesReference(w, x, 1, "subnormal scales");
    }

    @Test
    void theRepackedBlockHoldsEveryQuantOnce() {
        Random rnd = new Random(3);
        byte[] in = new byte[PackedGroups.G * 18], out = new byte[PackedGroups.G * 18];
        for (int trial = 0; trial < 50; trial++) {
            rnd.nextBytes(in);
            Q4_0Groups.KIND.packBlock(in, out);
            for (int i = 0; i < PackedGroups.G; i++) {
                assertThat(out[2 * i]).isEqualTo(in[18 * i]);
                assertThat(out[2 * i + 1]).isEqualTo(in[18 * i + 1]);
                for (int k = 0; k < 32; k++) {
                    int q = ((in[18 * i + 2 + (k & 15)] & 0xFF) >> (k < 16 ? 0 : 4)) & 0xF;
                    int packed = out[64 + 16 * k + (i & 15)];
                    int got = i < 16 ? (packed & 0xF) : (packed >> 4) + 8;
                    assertThat(got).as("row %d column %d", i, k).isEqualTo(q);
                }
            }
        }
    }


    interface Scale {
        short bits(int row, int block);
    }

    /** A Q4_0 matrix whose every quant byte is {@code nibbles} and block (r, b) has the scale {@code scale.bits(r, b)}. */
    static Tensor q4_0(int rows, int cols, Scale scale, byte nibbles) {
        int nb = cols / 32;
        MemorySegment seg = Arena.ofAuto().allocate((long) rows * nb * 18, 64);
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < nb; b++) {
                long p = 18L * (r * nb + b);
                seg.set(HALF, p, scale.bits(r, b));
                for (int j = 0; j < 16; j++) seg.set(ValueLayout.JAVA_BYTE, p + 2 + j, nibbles);
            }
        }
        return new Tensor("q4_0", DType.Q4_0, new long[] {cols, rows}, seg);
    }

    private static void randomiseQuants(Tensor w, Random rnd) {
        long blocks = w.byteSize() / 18;
        for (long b = 0; b < blocks; b++) {
            for (int j = 0; j < 16; j++) w.data().set(ValueLayout.JAVA_BYTE, 18 * b + 2 + j, (byte) rnd.nextInt());
        }
    }
}
