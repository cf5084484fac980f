package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/** KQuantGemm: bit for bit its scalar twin and DotVector's single dot, for every K type and awkward shapes. */
class KQuantGemmTest {
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void equalsTheSingleDotBitForBit(DType type) {
        assertThat(KQuantGemm.supports(type)).as("this machine needs 16 float lanes for the K-quant GEMM").isTrue();
        check(type, 45, 256, 11, 1);    // partial row panel, partial vector group
        check(type, 64, 2048, 9, 2);    // the 1b model's width
        check(type, 32, 8192, 8, 3);    // the 1b model's FFN down width
        check(type, 7, 512, 17, 4);     // fewer rows than a decode unit
    }

    private static void check(DType type, int rows, int cols, int n, long seed) {
        Tensor w = RandomTensors.matrix(type, rows, cols, seed);
        float[] x = RandomTensors.vector(n * cols, seed + 100);
        Activations a = new Activations().prepare(type, x, n, cols);
        float[] gemm = new float[n * rows], ref = new float[n * rows];
        KQuantGemm.run(type, w.data(), w.rowBytes(), rows, cols, a, n, gemm);
        KQuantGemm.reference(type, w.data(), w.rowBytes(), rows, cols, a, n, ref);
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < rows; r++) {
                float dot = DotVector.dot(type, w.data(), r * w.rowBytes(), a, t, cols);
                String at = type + " " + rows + "x" + cols + " n=" + n + " row " + r + " vector " + t;
                assertThat(Float.floatToRawIntBits(gemm[t * rows + r])).as(at + " gemm vs dot").isEqualTo(Float.floatToRawIntBits(dot));
                assertThat(Float.floatToRawIntBits(ref[t * rows + r])).as(at + " reference vs dot").isEqualTo(Float.floatToRawIntBits(dot));
            }
        }
    }
}
