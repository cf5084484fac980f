package dev.pith.core.quant;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The vector Q8_0 and Q4_0 encoders against their scalar twins (ggml's reference), byte for byte. */
class LegacyLanesTest {
    private static final int TRIALS = 20000;

    @Test
    void q8_0MatchesTheScalarEncoder() {
        compare(21, 34, LegacyLanes::q8_0, Quantizer::q8_0);
    }

    @Test
    void q4_0MatchesTheScalarEncoder() {
        compare(22, 18, LegacyLanes::q4_0, Quantizer::q4_0);
    }

    /** One block encoder: x[xo .. xo+32) into y[yo ..]. */
    private interface BlockEncoder {
        void encode(float[] x, int xo, byte[] y, int yo);
    }

    private static void compare(long seed, int blockBytes, BlockEncoder lanes, BlockEncoder scalar) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (int trial = 0; trial < TRIALS; trial++) {
            float[] x = block(rng, trial);
            byte[] a = new byte[blockBytes + 5], b = new byte[blockBytes + 5];
            lanes.encode(x, 3, a, 5);
            scalar.encode(x, 3, b, 5);
            assertThat(a).as("trial %d", trial).isEqualTo(b);
        }
    }

    /**
     * 3 values of padding, then a block: Gaussian, exact halves after scaling (roundf's ties),
     * repeated extremes of both signs (the first-of-equal-magnitudes rule), zeros and minus zeros,
     * tiny and subnormal values (scales that underflow or whose inverse overflows), huge values,
     * infinities and NaNs.
     */
    private static float[] block(SplittableRandom rng, int trial) {
        float[] x = new float[3 + 32 + 2];
        float scale = (float) Math.pow(10, rng.nextInt(-6, 4));
        for (int j = 0; j < 32; j++) x[3 + j] = (float) rng.nextGaussian() * scale;
        switch (trial % 10) {
            case 1 -> { for (int j = 0; j < 32; j++) x[3 + j] = (rng.nextInt(-254, 255) / 2f) * (127f / 127f); x[3] = 127f; }
            case 2 -> { x[3 + rng.nextInt(32)] = -scale * 5; x[3 + rng.nextInt(32)] = scale * 5; }
            case 3 -> { for (int j = 0; j < 32; j++) x[3 + j] = rng.nextBoolean() ? 0f : -0f; }
            case 4 -> { for (int j = 0; j < 32; j++) x[3 + j] = Float.intBitsToFloat(rng.nextInt(0, 0x00900000)) * (rng.nextBoolean() ? 1 : -1); }
            case 5 -> { for (int j = 0; j < 32; j++) x[3 + j] = (float) rng.nextGaussian() * 1e37f; }
            case 6 -> x[3 + rng.nextInt(32)] = rng.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
            case 7 -> x[3 + rng.nextInt(32)] = Float.NaN;
            case 8 -> { for (int j = 0; j < 32; j++) x[3 + j] = (rng.nextInt(-16, 17) / 2f); x[3 + 31] = -8f; }
            default -> { }
        }
        return x;
    }
}
