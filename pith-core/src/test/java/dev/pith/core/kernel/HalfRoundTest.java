package dev.pith.core.kernel;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The vector fp16 rounding of F16 activations equals its scalar twin (Java's float → fp16 → float) bit for bit. */
class HalfRoundTest {
    @Test
    void equalsTheScalarConversionOnEveryKindOfValue() {
        int n = 1 << 20;
        float[] x = new float[n + 7]; // a tail that is not a whole vector
        SplittableRandom rnd = new SplittableRandom(5);
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (i % 4) {
                case 0 -> Float.intBitsToFloat(rnd.nextInt());                        // any bit pattern: NaN, inf, subnormals
                case 1 -> (float) rnd.nextGaussian() * (float) Math.pow(2, rnd.nextInt(-30, 20)); // activations across scales
                case 2 -> Float.intBitsToFloat((rnd.nextInt(0x30, 0x48) << 23) | (rnd.nextInt(0, 8) << 11) | 0xFFF | (rnd.nextInt(0, 2) << 12)); // ties and near-ties
                default -> Float.intBitsToFloat(rnd.nextBoolean() ? 0x477FEFFF : 0x387FFFFF) * (rnd.nextBoolean() ? 1 : -1); // range edges
            };
        }
        // A run of only normal-range values so that whole vectors take the vector path.
        for (int i = 0; i < 4096; i++) x[i] = (float) rnd.nextGaussian();
        float[] fast = new float[x.length], ref = new float[x.length];
        HalfRound.round(x, fast, 0, x.length);
        HalfRound.scalar(x, ref, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            if (Float.isNaN(ref[i])) assertThat(fast[i]).isNaN();
            else assertThat(Float.floatToRawIntBits(fast[i])).as("x = %s (%08x)", x[i], Float.floatToRawIntBits(x[i]))
                    .isEqualTo(Float.floatToRawIntBits(ref[i]));
        }
    }

    @Test
    void normalRangeValuesRoundExactlyToNearestEven() {
        // Every float significand pattern's low 14 bits at one exponent: all tie and carry cases.
        float[] x = new float[1 << 14], fast = new float[x.length], ref = new float[x.length];
        for (int i = 0; i < x.length; i++) x[i] = Float.intBitsToFloat(0x3F800000 | i | (i % 3 == 0 ? 0x7FC000 : 0));
        HalfRound.round(x, fast, 0, x.length);
        HalfRound.scalar(x, ref, 0, x.length);
        for (int i = 0; i < x.length; i++) assertThat(Float.floatToRawIntBits(fast[i])).as("x %08x", Float.floatToRawIntBits(x[i])).isEqualTo(Float.floatToRawIntBits(ref[i]));
    }

    @Test
    void subnormalRangeValuesRoundExactlyToNearestEven() {
        // Every multiple of 2^-26 below 2^-13 (both signs): each fp16 subnormal, its ties, the quarter
        // points, and the step up into the normal range; plus float subnormals and softmax-like values.
        int m = 1 << 13;
        float[] x = new float[4 * m + 4096], fast = new float[x.length], ref = new float[x.length];
        for (int i = 0; i < m; i++) {
            x[i] = Math.scalb((float) i, -26);
            x[m + i] = -x[i];
            x[2 * m + i] = Math.scalb((float) i + 0.5f, -26);
            x[3 * m + i] = Float.intBitsToFloat(i * 977);                      // float subnormals and tiny normals
        }
        SplittableRandom rnd = new SplittableRandom(8);
        for (int i = 4 * m; i < x.length; i++) x[i] = (float) Math.exp(-rnd.nextDouble() * 30); // probabilities e^-30 .. 1
        HalfRound.round(x, fast, 0, x.length);
        HalfRound.scalar(x, ref, 0, x.length);
        for (int i = 0; i < x.length; i++) assertThat(Float.floatToRawIntBits(fast[i])).as("x %08x", Float.floatToRawIntBits(x[i])).isEqualTo(Float.floatToRawIntBits(ref[i]));
    }
}
