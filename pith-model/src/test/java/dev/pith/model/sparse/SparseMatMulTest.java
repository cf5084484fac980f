package dev.pith.model.sparse;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Both sparse forms, the vector kernels against their scalar twin and a dense double-precision product. */
class SparseMatMulTest {
    // Token counts that reach every path: one vector (gather), tails only, one vector tile, 4-vector
    // tiles plus single-vector tiles plus tails (for 8 and 16 float lanes).
    private static final int[] TOKENS = {1, 2, 5, 17, 37, 85};

    @Test
    void csrKernelsMatchScalarTwinAndDenseProduct() {
        Random rnd = new Random(5);
        for (double sparsity : new double[] {0.0, 0.5, 0.7, 0.9, 1.0}) {
            int rows = 37, cols = 203; // odd sizes: rows of every length, tails of every length
            float[] dense = new float[rows * cols];
            for (int i = 0; i < dense.length; i++) dense[i] = rnd.nextDouble() < sparsity ? 0 : (float) rnd.nextGaussian();
            CsrMatrix m = CsrMatrix.of(dense, rows, cols);
            assertThat(m.toDense()).containsExactly(dense);
            check(m, dense, rnd, "csr " + sparsity);
        }
    }

    @Test
    void nmKernelsMatchScalarTwinAndDenseProduct() {
        Random rnd = new Random(6);
        for (int[] nm : new int[][] {{2, 4}, {4, 8}, {1, 4}}) {
            int rows = 29, cols = 8 * 23;
            float[] dense = nmPruned(rnd, rows, cols, nm[0], nm[1]);
            // A group with fewer non-zeros than N is stored padded and must come back unchanged.
            dense[3] = 0;
            dense[2] = 0;
            NmMatrix m = NmMatrix.of(dense, rows, cols, nm[0], nm[1]);
            assertThat(m.toDense()).containsExactly(dense);
            // 4-byte value + 1-byte position per kept weight, plus one int per kept weight of a row (group starts).
            assertThat(m.byteSize()).isEqualTo(5L * rows * cols / nm[1] * nm[0] + 4L * cols / nm[1] * nm[0]);
            check(m, dense, rnd, "nm " + nm[0] + ":" + nm[1]);
        }
    }

    @Test
    void nmRefusesAMatrixThatBreaksItsPattern() {
        float[] dense = {1, 2, 3, 0};
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NmMatrix.of(dense, 1, 4, 2, 4))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static void check(SparseWeight m, float[] dense, Random rnd, String what) {
        int rows = m.rows(), cols = m.cols();
        for (int n : TOKENS) {
            float[] x = new float[n * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] fast = new float[n * rows], slow = new float[n * rows];
            SparseMatMul.matmul(m, x, n, fast);
            SparseMatMulScalar.matmul(m, x, n, slow);
            for (int t = 0; t < n; t++) {
                for (int r = 0; r < rows; r++) {
                    double ref = 0;
                    for (int j = 0; j < cols; j++) ref += (double) dense[r * cols + j] * x[t * cols + j];
                    assertThat(fast[t * rows + r]).as("%s n %d token %d row %d", what, n, t, r).isCloseTo(slow[t * rows + r], within(1e-4f));
                    assertThat((double) slow[t * rows + r]).as("%s n %d token %d row %d", what, n, t, r).isCloseTo(ref, within(1e-4));
                }
            }
        }
    }

    /** Random weights keeping the n largest of every m. */
    static float[] nmPruned(Random rnd, int rows, int cols, int n, int m) {
        float[] d = new float[rows * cols];
        for (int i = 0; i < d.length; i++) d[i] = (float) rnd.nextGaussian();
        for (int g = 0; g < d.length; g += m) {
            for (int drop = 0; drop < m - n; drop++) {
                int min = -1;
                for (int i = g; i < g + m; i++) if (d[i] != 0 && (min < 0 || Math.abs(d[i]) < Math.abs(d[min]))) min = i;
                d[min] = 0;
            }
        }
        return d;
    }
}
