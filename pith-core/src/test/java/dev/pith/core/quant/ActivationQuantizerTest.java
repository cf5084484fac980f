package dev.pith.core.quant;

import dev.pith.core.DType;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of the activation quantizers that distinguish ggml-cpu's x86 code from the portable
 * reference (byte-identity with ggml itself is GgmlOracleTest's job).
 */
class ActivationQuantizerTest {

    @Test
    void q8_0RoundsHalfToEvenWhereTheReferenceRoundsAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127f;          // amax = 127, so the multiplier is exactly 1
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 3.5f;
        x[4] = 0.5f;
        byte[] qs = new byte[32];
        float[] d = new float[1];
        ActivationQuantizer.q8_0(x, 0, 32, qs, 0, d, 0);
        assertThat(new int[] {qs[0], qs[1], qs[2], qs[3], qs[4]}).containsExactly(127, 2, -2, 4, 0);
        assertThat(d[0]).isEqualTo(1f);
        // The weight quantizer (quantize_row_q8_0_ref) on the same block uses roundf: 3, -3, 4, 1.
        byte[] ref = Quantizer.quantize(DType.Q8_0, x, 32);
        assertThat(new int[] {ref[2 + 1], ref[2 + 2], ref[2 + 3], ref[2 + 4]}).containsExactly(3, -3, 4, 1);
    }

    @Test
    void q8_1SumUsesTheUnroundedScale() {
        Random rnd = new Random(3);
        float[] x = new float[64];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        byte[] qs = new byte[64];
        float[] d = new float[2], s = new float[2];
        ActivationQuantizer.q8_1(x, 0, 64, qs, 0, d, s, 0);
        for (int b = 0; b < 2; b++) {
            float amax = 0;
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[32 * b + j]));
                sum += qs[32 * b + j];
            }
            assertThat(d[b]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(amax / 127f)));
            assertThat(s[b]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(amax / 127f * sum)));
        }
    }

    @Test
    void q8_KKeepsTheSignOfTheLargestValueInItsScaleAndSumsEvery16() {
        float[] x = new float[256];
        Random rnd = new Random(4);
        for (int i = 0; i < 256; i++) x[i] = (float) rnd.nextGaussian();
        x[100] = 10f; // the largest magnitude is positive, so iscale = -127/10 and d < 0
        byte[] qs = new byte[256];
        float[] d = new float[1];
        short[] bsums = new short[16];
        ActivationQuantizer.q8_K(x, 0, 256, qs, 0, d, 0, bsums, 0);
        assertThat(qs[100]).isEqualTo((byte) -127);
        assertThat(d[0]).isEqualTo(1f / (-127f / 10f));
        for (int j = 0; j < 16; j++) {
            int sum = 0;
            for (int i = 0; i < 16; i++) sum += qs[16 * j + i];
            assertThat(bsums[j]).isEqualTo((short) sum);
        }
        for (int i = 0; i < 256; i++) assertThat(qs[i] * d[0]).isCloseTo(x[i], org.assertj.core.api.Assertions.within(Math.abs(d[0])));
    }

    @Test
    void allZeroBlocksGiveZeroScalesAndQuants() {
        float[] x = new float[256];
        byte[] qs = new byte[256];
        float[] d = new float[8], s = new float[8];
        short[] bsums = new short[16];
        ActivationQuantizer.q8_0(x, 0, 256, qs, 0, d, 0);
        assertThat(d).containsOnly(0f);
        ActivationQuantizer.q8_1(x, 0, 256, qs, 0, d, s, 0);
        assertThat(s).containsOnly(0f);
        ActivationQuantizer.q8_K(x, 0, 256, qs, 0, d, 0, bsums, 0);
        assertThat(d[0]).isZero();
        for (byte q : qs) assertThat(q).isZero();
    }

    @Test
    void vecDotTypesAreLlamaCpps() {
        assertThat(ActivationQuantizer.vecDotType(DType.Q4_0)).isEqualTo(DType.Q8_0);
        assertThat(ActivationQuantizer.vecDotType(DType.Q5_0)).isEqualTo(DType.Q8_0);
        assertThat(ActivationQuantizer.vecDotType(DType.Q8_0)).isEqualTo(DType.Q8_0);
        assertThat(ActivationQuantizer.vecDotType(DType.Q4_1)).isEqualTo(DType.Q8_1);
        assertThat(ActivationQuantizer.vecDotType(DType.Q5_1)).isEqualTo(DType.Q8_1);
        for (DType k : new DType[] {DType.Q2_K, DType.Q3_K, DType.Q4_K, DType.Q5_K, DType.Q6_K}) {
            assertThat(ActivationQuantizer.vecDotType(k)).isEqualTo(DType.Q8_K);
        }
        assertThat(ActivationQuantizer.vecDotType(DType.F16)).isEqualTo(DType.F16);
        assertThat(ActivationQuantizer.vecDotType(DType.BF16)).isEqualTo(DType.BF16);
        assertThat(ActivationQuantizer.vecDotType(DType.F32)).isEqualTo(DType.F32);
    }

    /** The lane-wise absolute maximum equals the scalar chain, for random blocks and for the edge values. */
    @Test
    void absMaxEqualsItsScalarTwin() {
        Random r = new Random(7);
        float[] edges = {0f, -0f, Float.MIN_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-40f};
        for (int trial = 0; trial < 2000; trial++) {
            int n = 1 + r.nextInt(70), off = r.nextInt(5);
            float[] x = new float[n + off];
            for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
            if (trial % 3 == 0) x[off + r.nextInt(n)] = edges[r.nextInt(edges.length)];
            float want = ActivationQuantizer.absMaxScalar(x, off, n);
            assertThat(Float.floatToRawIntBits(ActivationQuantizer.absMax(x, off, n)))
                    .as("trial %d", trial).isEqualTo(Float.floatToRawIntBits(want));
        }
    }

    /**
     * The lane-wise Q8_0 equals its scalar twin bit for bit: random blocks of every magnitude, blocks
     * whose products land exactly on .5 (half to even), zero blocks, and blocks with ±∞, NaN and
     * subnormals (where 127/amax overflows).
     */
    @Test
    void q8_0EqualsItsScalarTwin() {
        Random r = new Random(11);
        float[] edges = {0f, -0f, Float.MIN_VALUE, 1e-40f, -1e-39f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.MAX_VALUE};
        for (int trial = 0; trial < 3000; trial++) {
            int blocks = 1 + r.nextInt(4), n = 32 * blocks, off = r.nextInt(3);
            float[] x = new float[n + off];
            double scale = Math.pow(10, r.nextInt(13) - 6);
            for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * scale);
            if (trial % 4 == 1) {
                // amax 127 makes the multiplier 1: every k + 0.5 is a tie.
                for (int i = off; i < x.length; i++) x[i] = (r.nextInt(253) - 126) / 2f;
                x[off] = 127f;
            }
            if (trial % 4 == 2) for (int k = 0; k < 3; k++) x[off + r.nextInt(n)] = edges[r.nextInt(edges.length)];
            if (trial % 50 == 3) java.util.Arrays.fill(x, 0f);
            byte[] qv = new byte[n + 2], qsRef = new byte[n + 2];
            float[] dv = new float[blocks + 1], dRef = new float[blocks + 1];
            ActivationQuantizer.q8_0(x, off, n, qv, 2, dv, 1);
            ActivationQuantizer.q8_0Scalar(x, off, n, qsRef, 2, dRef, 1);
            assertThat(qv).as("trial %d", trial).containsExactly(qsRef);
            assertThat(dv).as("trial %d", trial).usingElementComparator((a, b) -> Integer.compare(Float.floatToRawIntBits(a), Float.floatToRawIntBits(b)))
                    .containsExactly(dRef);
        }
    }

    /**
     * The lane-wise Q8_K equals its scalar twin bit for bit, including which of x and −x of equal
     * magnitude sets the sign of the scale (the first), ignored NaNs, ±∞ and subnormal maxima.
     */
    @Test
    void q8_KEqualsItsScalarTwin() {
        Random r = new Random(12);
        float[] edges = {0f, -0f, Float.MIN_VALUE, -1e-40f, 1e-39f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, -Float.MAX_VALUE};
        for (int trial = 0; trial < 1500; trial++) {
            int blocks = 1 + r.nextInt(3), n = 256 * blocks, off = r.nextInt(3);
            float[] x = new float[n + off];
            double scale = Math.pow(10, r.nextInt(13) - 6);
            for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * scale);
            if (trial % 5 == 1) {
                for (int i = off; i < x.length; i++) x[i] = (r.nextInt(255) - 127) / 2f;
                x[off + r.nextInt(n)] = 63.5f;
                x[off + r.nextInt(n)] = -63.5f;
            }
            if (trial % 5 == 2) for (int k = 0; k < 4; k++) x[off + r.nextInt(n)] = edges[r.nextInt(edges.length)];
            if (trial % 5 == 3) for (int i = off; i < x.length; i++) if (r.nextInt(4) > 0) x[i] = r.nextBoolean() ? Float.NaN : 0f;
            if (trial % 50 == 4) java.util.Arrays.fill(x, 0f);
            byte[] qv = new byte[n + 1], qRef = new byte[n + 1];
            float[] dv = new float[blocks + 2], dRef = new float[blocks + 2];
            short[] sv = new short[16 * blocks + 3], sRef = new short[16 * blocks + 3];
            ActivationQuantizer.q8_K(x, off, n, qv, 1, dv, 2, sv, 3);
            ActivationQuantizer.q8_KScalar(x, off, n, qRef, 1, dRef, 2, sRef, 3);
            assertThat(qv).as("trial %d", trial).containsExactly(qRef);
            assertThat(sv).as("trial %d", trial).containsExactly(sRef);
            assertThat(dv).as("trial %d", trial).usingElementComparator((a, b) -> Integer.compare(Float.floatToRawIntBits(a), Float.floatToRawIntBits(b)))
                    .containsExactly(dRef);
        }
    }
}
