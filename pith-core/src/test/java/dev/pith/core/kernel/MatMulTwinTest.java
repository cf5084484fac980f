package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The vectorised {@link MatMul} agrees with its scalar twin {@link MatMulScalar} on every type. */
class MatMulTwinTest {
    static final String TYPES = "F32,F16,BF16,Q8_0,Q4_0,Q4_1,Q5_0,Q5_1,Q2_K,Q3_K,Q4_K,Q5_K,Q6_K";

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void vectorAndScalarAgree(DType type) {
        // Odd row counts; one small product (runs on the caller) and one big enough to be split across threads.
        check(type, 37, 512, 1, 1);
        check(type, 37, 512, 3, 2);
        check(type, 301, 1024, 1, 3);
        check(type, 301, 1024, 4, 4);
        check(type, 301, 1024, 13, 5);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void matmulEqualsOneMatvecPerVector(DType type) {
        // 45 rows and 3 vectors: TiledMatMul (bit-identical); 11 and 8 vectors: PackedGemm (within tolerance).
        matmulEqualsOneMatvecPerVector(type, 45, 768, 3);
        matmulEqualsOneMatvecPerVector(type, 45, 768, 11);
        matmulEqualsOneMatvecPerVector(type, 64, 1024, 8);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void tiledFloatProductsHandleColumnsThatAreNoMultipleOfTheLaneCount(DType type) {
        matmulEqualsOneMatvecPerVector(type, 13, 777, 5); // TiledMatMul
        matmulEqualsOneMatvecPerVector(type, 13, 777, 9); // PackedGemm
        check(type, 13, 777, 9, 7);
    }

    private static void matmulEqualsOneMatvecPerVector(DType type, int rows, int cols, int n) {
        Tensor w = RandomTensors.matrix(type, rows, cols, 11);
        float[] x = RandomTensors.vector(n * cols, 12);
        float[] all = new float[n * rows];
        MatMul.matmul(w, x, n, all);
        for (int t = 0; t < n; t++) {
            float[] xt = java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols);
            float[] one = new float[rows];
            MatMul.matvec(w, xt, one);
            if (n < RowProducts.GEMM_MIN_VECTORS) {
                assertThat(java.util.Arrays.copyOfRange(all, t * rows, (t + 1) * rows)).as("vector %d", t).containsExactly(one);
                continue;
            }
            // Issue 4's decision: a prompt (PackedGemm) need not be bit-identical to one vector at a
            // time, only within float tolerance (plus the activation quantization the single vector applies).
            float[] wf = Dequantizer.dequantize(w);
            for (int r = 0; r < rows; r++) {
                assertThat((double) all[t * rows + r]).as("vector %d row %d", t, r)
                        .isCloseTo(one[r], org.assertj.core.api.Assertions.within(PackedGemmTest.batchTolerance(type, wf, x, r, t, cols)));
            }
        }
    }

    @Test
    void getRowIsTheMatchingSliceOfTheDequantizedTensor() {
        for (String name : TYPES.split(",")) {
            DType type = DType.parse(name);
            Tensor w = RandomTensors.matrix(type, 7, 512, 5);
            float[] all = Dequantizer.dequantize(w);
            float[] row = new float[512 + 3];
            MatMul.getRow(w, 4, row, 3);
            assertThat(java.util.Arrays.copyOfRange(row, 3, 515)).as(name).containsExactly(java.util.Arrays.copyOfRange(all, 4 * 512, 5 * 512));
        }
    }

    static void check(DType type, int rows, int cols, int n, long seed) {
        Tensor w = RandomTensors.matrix(type, rows, cols, seed);
        float[] x = RandomTensors.vector(n * cols, seed + 100);
        float[] vec = new float[n * rows];
        float[] ref = new float[n * rows];
        MatMul.matmul(w, x, n, vec);
        MatMulScalar.matmul(w, x, n, ref);
        float[] wf = Dequantizer.dequantize(w);
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < rows; r++) {
                double mag = 0;
                for (int i = 0; i < cols; i++) mag += Math.abs(wf[r * cols + i] * x[t * cols + i]);
                // Prompts of GEMM_MIN_VECTORS or more go through PackedGemm: see PackedGemmTest.batchTolerance.
                double tol = n >= RowProducts.GEMM_MIN_VECTORS ? PackedGemmTest.batchTolerance(type, wf, x, r, t, cols) : 2e-6 * mag + 1e-6;
                assertThat((double) vec[t * rows + r]).as("%s rows=%d n=%d row %d vector %d", type, rows, n, r, t)
                        .isCloseTo(ref[t * rows + r], org.assertj.core.api.Assertions.within(tol));
            }
        }
    }
}
