package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.quant.ActivationQuantizer;
import dev.pith.core.quant.Dequantizer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@link PackedGemm} against its scalar twin ({@link PackedGemm#reference}: dequantized rows times
 * the same activations, summed in column order) and, through {@link MatMul}, against
 * {@link MatMulScalar}, on shapes whose rows and vector counts are no multiple of the register
 * tile (8 vectors × 32 rows) and whose columns span several 256-column blocks.
 */
class PackedGemmTest {
    /** Unit roundoff of float32. */
    private static final double U = 0x1p-24;

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void gemmMatchesItsScalarTwin(DType type) {
        twin(type, 45, 512, 11, 1);     // one thread (small), edge tiles both ways
        twin(type, 301, 1024, 37, 2);   // split over threads, 4 column blocks, edges
        twin(type, 70, 768, 8, 3);      // exactly one activation panel
        if (!type.isQuantized()) twin(type, 13, 777, 9, 4); // a last column block of 9, no multiple of the lanes
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void promptProductsAgreeWithTheScalarMatMul(DType type) {
        int rows = 99, cols = 512, n = 19;
        Tensor w = RandomTensors.matrix(type, rows, cols, 7);
        float[] x = RandomTensors.vector(n * cols, 8);
        float[] fast = new float[n * rows];
        float[] ref = new float[n * rows];
        MatMul.matmul(w, x, n, fast);
        MatMulScalar.matmul(w, x, n, ref);
        assertWithinBatchTolerance(type, w, x, n, fast, ref);
    }

    /** Every fast[t·rows + r] within {@link #batchTolerance} of ref[t·rows + r]. */
    private static void assertWithinBatchTolerance(DType type, Tensor w, float[] x, int n, float[] fast, float[] ref) {
        int rows = w.rows(), cols = w.cols();
        float[] wf = Dequantizer.dequantize(w);
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < rows; r++) {
                assertThat((double) fast[t * rows + r]).as("%s row %d vector %d", type, r, t)
                        .isCloseTo(ref[t * rows + r], within(batchTolerance(type, wf, x, r, t, cols)));
            }
        }
    }

    /**
     * How far a prompt product ({@link MatMul} through {@link PackedGemm}) may be from the
     * single-vector one ({@link MatMulScalar}) for row r and vector t. Both multiply the same
     * weights with the same (fp16/bf16-rounded or Q8-quantized) activations x̂ and sum cols products
     * in float in different orders, so each is within cols·u·Σ|w·x̂| of the exact sum (the standard
     * bound for recursive summation, u = 2^-24; ×2 for the two sides). A Q8 quant moves x by at
     * most 0.56·d with d = amax(block)/127 (half a step plus the fp16 rounding of d), so
     * Σ|w·x̂| ≤ Σ|w·x| + Σ|w_i|·d. Q8_1 (for Q4_1/Q5_1) also stores the block sum s = d·Σq as fp16:
     * the single-vector product's min term m·s is off by up to |m|·|s|·2^-11, with |m| ≤ max|w| of
     * the block and |s| ≤ Σ|x| + 32·d.
     */
    static double batchTolerance(DType type, float[] wf, float[] x, int r, int t, int cols) {
        double mag = 0;
        for (int i = 0; i < cols; i++) mag += Math.abs(wf[r * cols + i] * x[t * cols + i]);
        double minTerm = 0;
        if (type.isQuantized()) {
            DType act = ActivationQuantizer.vecDotType(type);
            int qb = act.blockSize();
            for (int b = 0; b < cols; b += qb) {
                double amax = 0, wsum = 0, wmax = 0, xsum = 0;
                for (int i = b; i < b + qb; i++) {
                    amax = Math.max(amax, Math.abs(x[t * cols + i]));
                    xsum += Math.abs(x[t * cols + i]);
                    wsum += Math.abs(wf[r * cols + i]);
                    wmax = Math.max(wmax, Math.abs(wf[r * cols + i]));
                }
                double d = amax / 127;
                mag += wsum * d;
                if (act == DType.Q8_1) minTerm += wmax * (xsum + qb * d) * 0x1p-11;
            }
        }
        return 2 * cols * U * mag + minTerm + 1e-6;
    }

    private static void twin(DType type, int rows, int cols, int n, long seed) {
        Tensor w = RandomTensors.matrix(type, rows, cols, seed);
        float[] x = RandomTensors.vector(n * cols, seed + 100);
        float[] fast = new float[n * rows];
        float[] ref = new float[n * rows];
        java.util.Arrays.fill(fast, Float.NaN); // every element must be written
        PackedGemm.run(type, w.data(), w.rowBytes(), rows, cols, x, n, fast);
        PackedGemm.reference(type, w.data(), w.rowBytes(), rows, cols, x, n, ref);
        float[] wf = Dequantizer.dequantize(w);
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < rows; r++) {
                double mag = 0;
                for (int i = 0; i < cols; i++) mag += Math.abs(wf[r * cols + i] * x[t * cols + i]);
                // Same products, summed in another order (and with FMAs): within the recursive-summation bound of each.
                double tol = 2 * cols * U * mag + 1e-6;
                assertThat((double) fast[t * rows + r]).as("%s rows=%d cols=%d n=%d row %d vector %d", type, rows, cols, n, r, t)
                        .isCloseTo(ref[t * rows + r], within(tol));
            }
        }
    }

    /**
     * The integer path ({@link PackedGemm#runBlocks}) equals its scalar twin bit for bit: both sum
     * exact integer block products and add each block's d_w·d_x·sum with one FMA in column order.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q5_0"})
    void blockGemmEqualsItsScalarTwinExactly(DType type) {
        blockTwin(type, 45, 512, 11, 1);    // edge tiles both ways, 2 column blocks
        blockTwin(type, 301, 800, 37, 2);   // a last column block of 32 (800 = 3·256 + 32), threads
        blockTwin(type, 70, 96, 8, 3);      // one short column block, exactly one activation panel
    }

    /** Through MatMul, the integer path stays within float rounding of the single-vector product (ggml's vec_dot numerics). */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q5_0"})
    void blockGemmAgreesWithTheSingleVectorProduct(DType type) {
        int rows = 67, cols = 576, n = 13;
        Tensor w = RandomTensors.matrix(type, rows, cols, 21);
        float[] x = RandomTensors.vector(n * cols, 22);
        float[] gemm = new float[n * rows], single = new float[n * rows];
        PackedGemm.runBlocks(type, w.data(), w.rowBytes(), rows, cols, Activations.forThread().prepare(type, x, n, cols), n, gemm);
        MatMulScalar.matmul(w, x, n, single);
        assertWithinBatchTolerance(type, w, x, n, gemm, single);
    }

    private static void blockTwin(DType type, int rows, int cols, int n, long seed) {
        Tensor w = RandomTensors.matrix(type, rows, cols, seed);
        float[] x = RandomTensors.vector(n * cols, seed + 100);
        float[] fast = new float[n * rows];
        float[] ref = new float[n * rows];
        java.util.Arrays.fill(fast, Float.NaN); // every element must be written
        PackedGemm.runBlocks(type, w.data(), w.rowBytes(), rows, cols, Activations.forThread().prepare(type, x, n, cols), n, fast);
        PackedGemm.referenceBlocks(type, w.data(), w.rowBytes(), rows, cols, x, n, ref);
        for (int i = 0; i < n * rows; i++) {
            assertThat(fast[i]).as("%s rows=%d cols=%d n=%d vector %d row %d", type, rows, cols, n, i / rows, i % rows).isEqualTo(ref[i]);
        }
    }
}
