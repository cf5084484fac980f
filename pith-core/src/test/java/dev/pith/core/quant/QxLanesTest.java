package dev.pith.core.quant;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The lane-parallel Q6_K scale search against its scalar twin (makeQxQuants per sub-block), bit for bit. */
class QxLanesTest {
    @Test
    void sameCodesAndScalesAsTheScalarSearch() {
        SplittableRandom rng = new SplittableRandom(11);
        for (int trial = 0; trial < 3000; trial++) {
            float[] x = block(rng, trial);
            float[] qw = trial % 3 == 0 ? null : weights(rng);
            byte[] lv = new byte[256], ls = new byte[256];
            float[] sv = new float[16], ss = new float[16];
            QxLanes.search(x, 256, qw, qw == null ? 0 : 256, lv, sv);
            for (int j = 0; j < 16; j++) ss[j] = KQuantizer.makeQxQuants(16, 32, x, 256 + 16 * j, ls, 16 * j, qw, qw == null ? 0 : 256 + 16 * j);
            for (int j = 0; j < 16; j++) assertThat(Float.floatToRawIntBits(sv[j])).as("trial %d scale %d", trial, j).isEqualTo(Float.floatToRawIntBits(ss[j]));
            assertThat(lv).as("trial %d", trial).isEqualTo(ls);
        }
    }

    @Test
    void q6KBytesAreTheSameWithAndWithoutTheLanes() {
        SplittableRandom rng = new SplittableRandom(12);
        for (int trial = 0; trial < 1000; trial++) {
            float[] x = block(rng, trial);
            float[] qw = trial % 2 == 0 ? null : weights(rng);
            byte[] viaLanes = new byte[210 + 7], scalar = new byte[210 + 7];
            KQuantizer.q6_K(x, 256, viaLanes, 7, qw, 256, true);
            KQuantizer.q6_K(x, 256, scalar, 7, qw, 256, false);
            assertThat(viaLanes).as("trial %d", trial).isEqualTo(scalar);
        }
    }

    /** 512 values: 256 of padding the search must not read, then a block of a kind chosen by the trial. */
    private static float[] block(SplittableRandom rng, int trial) {
        float[] x = new float[512];
        float scale = (float) Math.pow(10, rng.nextInt(-6, 4));
        for (int i = 0; i < 512; i++) x[i] = i < 256 ? Float.NaN : (float) (rng.nextGaussian() * scale);
        switch (trial % 8) {
            case 1 -> { for (int i = 256; i < 272; i++) x[i] = 0; }                      // an all-zero sub-block
            case 2 -> { for (int i = 256; i < 512; i++) x[i] = rng.nextInt(-3, 4) * scale; } // ties and repeated magnitudes
            case 3 -> { for (int i = 300; i < 316; i++) x[i] = 1e-17f; }                 // below ggml's epsilon
            case 4 -> x[256 + rng.nextInt(256)] = 1000 * scale;                          // an outlier
            case 5 -> { for (int i = 256; i < 512; i++) x[i] = -Math.abs(x[i]); }        // one sign
            case 6 -> x[256 + rng.nextInt(256)] = rng.nextBoolean() ? Float.NaN : Float.NEGATIVE_INFINITY; // not finite: the scalar path
            default -> { }
        }
        return x;
    }

    private static float[] weights(SplittableRandom rng) {
        float[] w = new float[512];
        for (int i = 0; i < 512; i++) w[i] = i < 256 ? Float.NaN : (float) rng.nextDouble(0, 5);
        return w;
    }
}
