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
}
