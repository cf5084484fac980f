package dev.pith.core.quant;

import dev.pith.core.DType;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Q4_K and Q5_K blocks with the lane-parallel scale search ({@link Qkx2Lanes}) against the scalar search, byte for byte. */
class Qkx2LanesTest {
    @Test
    void q4KAndQ5KBytesAreTheSameWithAndWithoutTheLanes() {
        SplittableRandom rng = new SplittableRandom(31);
        int laned = 0;
        for (int trial = 0; trial < 3000; trial++) {
            float[] x = block(rng, trial);
            if (Qkx2Lanes.search(x, 5, 1, 15, -1f, 20, new float[8], new float[8]) != null) laned++;
            byte[] a = new byte[144 + 3], b = new byte[144 + 3];
            KQuantizer.q4_K(x, 5, a, 3, true);
            KQuantizer.q4_K(x, 5, b, 3, false);
            assertThat(a).as("Q4_K trial %d", trial).isEqualTo(b);
            byte[] c = new byte[176 + 3], d = new byte[176 + 3];
            KQuantizer.q5_K(x, 5, c, 3, true);
            KQuantizer.q5_K(x, 5, d, 3, false);
            assertThat(c).as("Q5_K trial %d", trial).isEqualTo(d);
        }
        assertThat(laned).as("blocks the lanes handled").isGreaterThan(2000);
    }

    @Test
    void twoBlocksSearchedSideBySideGiveEachBlocksOwnBytes() {
        SplittableRandom rng = new SplittableRandom(32);
        for (int trial = 0; trial < 1500; trial++) {
            // two super-blocks from the same generator (either may need the scalar fallback)
            float[] a = block(rng, trial), b = block(rng, trial + 1 + rng.nextInt(100));
            float[] x = new float[5 + 512];
            System.arraycopy(a, 5, x, 5, 256);
            System.arraycopy(b, 5, x, 5 + 256, 256);
            byte[] pair = new byte[3 + 2 * 144], single = new byte[3 + 2 * 144];
            KQuantizer.q4_K(x, 5, 2, pair, 3, true);
            KQuantizer.q4_K(x, 5, single, 3, false);
            KQuantizer.q4_K(x, 5 + 256, single, 3 + 144, false);
            assertThat(pair).as("Q4_K trial %d", trial).isEqualTo(single);
            byte[] pair5 = new byte[3 + 2 * 176], single5 = new byte[3 + 2 * 176];
            KQuantizer.q5_K(x, 5, 2, pair5, 3, true);
            KQuantizer.q5_K(x, 5, single5, 3, false);
            KQuantizer.q5_K(x, 5 + 256, single5, 3 + 176, false);
            assertThat(pair5).as("Q5_K trial %d", trial).isEqualTo(single5);
        }
    }

    @Test
    void q2KBytesAreTheSameWithAndWithoutTheLanes() {
        // sixteen 16-value sub-blocks, absolute errors: the lanes' other shape
        SplittableRandom rng = new SplittableRandom(34);
        int laned = 0;
        for (int trial = 0; trial < 3000; trial++) {
            float[] x = block(rng, trial);
            if (KQuantizer.sixteensInLanes(x, 5, null, 0, 3, -0.5f, 0.1f, 15, true, new byte[256], new float[16], new float[16])) laned++;
            byte[] a = new byte[84 + 3], b = new byte[84 + 3];
            KQuantizer.q2_K(x, 5, a, 3, true);
            KQuantizer.q2_K(x, 5, b, 3, false);
            assertThat(a).as("Q2_K trial %d", trial).isEqualTo(b);
        }
        assertThat(laned).as("blocks the lanes handled").isGreaterThan(2000);
    }

    @Test
    void importanceWeightedRowsGiveTheSameBytesWithAndWithoutTheLanes() {
        SplittableRandom rng = new SplittableRandom(33);
        for (int trial = 0; trial < 400; trial++) {
            // three super-blocks (two searched side by side with 512-bit lanes, then one alone)
            float[] x = new float[768], qw = new float[768];
            for (int b = 0; b < 3; b++) System.arraycopy(block(rng, trial + b), 5, x, 256 * b, 256);
            for (int i = 0; i < 768; i++) {
                qw[i] = switch (trial % 4) {
                    case 0 -> (float) rng.nextDouble(0, 3);                          // ordinary importances
                    case 1 -> rng.nextInt(4) == 0 ? 0f : (float) rng.nextDouble(0, 1); // columns never seen
                    case 2 -> (float) Math.pow(10, rng.nextInt(-6, 7));               // wide range
                    default -> 1f;
                };
            }
            for (DType type : new DType[] {DType.Q4_K, DType.Q5_K, DType.Q2_K}) {
                assertThat(WeightedQuantizer.quantizeRow(type, x, 768, qw, true)).as("%s trial %d", type, trial)
                        .isEqualTo(WeightedQuantizer.quantizeRow(type, x, 768, qw, false));
            }
        }
    }

    /**
     * 5 values of padding, then a super-block: Gaussian at scales 1e-8..1e3, all-positive and
     * all-negative sub-blocks, flat sub-blocks (constant, zero, minus zero), values on a coarse grid
     * (ties in the rounding), and rare non-finite or huge values (the scalar fallback).
     */
    private static float[] block(SplittableRandom rng, int trial) {
        float[] x = new float[5 + 256 + 3];
        for (int j = 0; j < 8; j++) {
            float scale = (float) Math.pow(10, rng.nextInt(-8, 4));
            int kind = rng.nextInt(8);
            for (int i = 0; i < 32; i++) {
                float g = (float) rng.nextGaussian() * scale;
                x[5 + 32 * j + i] = switch (kind) {
                    case 1 -> Math.abs(g) + scale;
                    case 2 -> -Math.abs(g) - scale;
                    case 3 -> -scale;
                    case 4 -> i % 2 == 0 ? 0f : -0f;
                    case 5 -> rng.nextInt(-8, 9) * 0.25f;
                    default -> g;
                };
            }
        }
        if (trial % 50 == 7) x[5 + rng.nextInt(256)] = Float.NaN;
        if (trial % 50 == 9) x[5 + rng.nextInt(256)] = 3e33f;
        return x;
    }
}
