package dev.pith.model.runtime;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The lane-wise exponential (softmax, SwiGLU) equals its scalar twin bit for bit and stays within 1 ulp of Math.exp. */
class LaneExpTest {
    private static final int L = VectorOps.L;

    @Test
    void vectorEqualsScalarTwinBitForBit() {
        SplittableRandom rnd = new SplittableRandom(81);
        int n = 1 << 18;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (i % 6) {
                case 0 -> (float) (-rnd.nextDouble() * 120);                         // the whole range, below the floor too
                case 1 -> (float) (-rnd.nextDouble() * 4);                           // typical scores
                case 2 -> -Float.intBitsToFloat(rnd.nextInt(0, 0x43000000));        // any negative float up to 128
                case 3 -> (float) ((rnd.nextDouble() - 0.5) * 24);                  // SwiGLU gates, both signs
                case 4 -> Float.intBitsToFloat(rnd.nextInt(0, 0x7f800000));         // any positive float, overflow too
                default -> new float[] {0f, -0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN,
                        -Float.MIN_VALUE, -87.5f, -103.9f, 88.7f, 88.8f, 89f, 1e30f}[rnd.nextInt(12)];
            };
        }
        float[] vec = new float[n];
        for (int i = 0; i < n; i += L) LaneExp.exp(FloatVector.fromArray(VectorOps.F, x, i)).intoArray(vec, i);
        for (int i = 0; i < n; i++) {
            float s = LaneExp.exp(x[i]);
            assertThat(Float.floatToRawIntBits(vec[i])).as("x = %s", x[i]).isEqualTo(Float.floatToRawIntBits(s));
        }
    }

    @Test
    void withinOneUlpOfMathExp() {
        SplittableRandom rnd = new SplittableRandom(82);
        int worst = 0;
        for (int i = 0; i < 2_000_000; i++) {
            float x = i < 1000 ? -i * 0.1f : i < 2000 ? (i - 1000) * 0.0887f
                    : (float) ((i % 3 == 0 ? 1 : -1) * rnd.nextDouble() * (i % 2 == 0 ? 110 : 8));
            float ref = (float) Math.exp(x), got = LaneExp.exp(x);
            if (Float.isInfinite(ref)) {
                assertThat(got).as("x = %s", x).isEqualTo(Float.POSITIVE_INFINITY);
            } else if (ref >= Float.MIN_NORMAL) {
                int ulps = Math.abs(Float.floatToRawIntBits(got) - Float.floatToRawIntBits(ref));
                worst = Math.max(worst, ulps);
                assertThat(ulps).as("x = %s: %s vs %s", x, got, ref).isLessThanOrEqualTo(1);
            } else {
                // Subnormal results: off by at most a couple of float's smallest steps.
                assertThat(Math.abs(got - ref)).as("x = %s", x).isLessThanOrEqualTo(2 * Float.MIN_VALUE);
            }
        }
        assertThat(LaneExp.exp(0f)).isEqualTo(1f);
        assertThat(LaneExp.exp(Float.NEGATIVE_INFINITY)).isZero();
        assertThat(LaneExp.exp(Float.NaN)).isNaN();
        assertThat(LaneExp.exp(Float.POSITIVE_INFINITY)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(LaneExp.exp(88.72f)).isEqualTo((float) Math.exp(88.72f));
        System.out.println("LaneExp worst ulps vs Math.exp: " + worst);
    }
}
