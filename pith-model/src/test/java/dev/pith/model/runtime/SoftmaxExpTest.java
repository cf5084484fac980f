package dev.pith.model.runtime;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The softmax's lane-wise exponential equals its scalar twin bit for bit and stays within 1 ulp of Math.exp. */
class SoftmaxExpTest {
    private static final int L = VectorOps.L;

    @Test
    void vectorEqualsScalarTwinBitForBit() {
        SplittableRandom rnd = new SplittableRandom(81);
        int n = 1 << 18;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (i % 4) {
                case 0 -> (float) (-rnd.nextDouble() * 120);                         // the whole range, below the floor too
                case 1 -> (float) (-rnd.nextDouble() * 4);                           // typical scores
                case 2 -> -Float.intBitsToFloat(rnd.nextInt(0, 0x43000000));        // any negative float up to 128
                default -> new float[] {0f, -0f, Float.NEGATIVE_INFINITY, Float.NaN, -Float.MIN_VALUE, -87.5f, -103.9f}[rnd.nextInt(7)];
            };
        }
        float[] vec = new float[n];
        for (int i = 0; i < n; i += L) SoftmaxExp.exp(FloatVector.fromArray(VectorOps.F, x, i)).intoArray(vec, i);
        for (int i = 0; i < n; i++) {
            float s = SoftmaxExp.exp(x[i]);
            assertThat(Float.floatToRawIntBits(vec[i])).as("x = %s", x[i]).isEqualTo(Float.floatToRawIntBits(s));
        }
    }

    @Test
    void withinOneUlpOfMathExp() {
        SplittableRandom rnd = new SplittableRandom(82);
        int worst = 0;
        for (int i = 0; i < 2_000_000; i++) {
            float x = i < 1000 ? -i * 0.1f : (float) (-rnd.nextDouble() * (i % 2 == 0 ? 110 : 8));
            float ref = (float) Math.exp(x), got = SoftmaxExp.exp(x);
            if (ref >= Float.MIN_NORMAL) {
                int ulps = Math.abs(Float.floatToRawIntBits(got) - Float.floatToRawIntBits(ref));
                worst = Math.max(worst, ulps);
                assertThat(ulps).as("x = %s: %s vs %s", x, got, ref).isLessThanOrEqualTo(1);
            } else {
                // Subnormal results: off by at most a couple of float's smallest steps.
                assertThat(Math.abs(got - ref)).as("x = %s", x).isLessThanOrEqualTo(2 * Float.MIN_VALUE);
            }
        }
        assertThat(SoftmaxExp.exp(0f)).isEqualTo(1f);
        assertThat(SoftmaxExp.exp(Float.NEGATIVE_INFINITY)).isZero();
        assertThat(SoftmaxExp.exp(Float.NaN)).isNaN();
        System.out.println("SoftmaxExp worst ulps vs Math.exp: " + worst);
    }
}
