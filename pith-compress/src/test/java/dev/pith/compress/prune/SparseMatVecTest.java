package dev.pith.compress.prune;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class SparseMatVecTest {
    @Test
    void vectorKernelMatchesScalarTwinAndDenseProduct() {
        Random rnd = new Random(5);
        for (double sparsity : new double[] {0.0, 0.5, 0.7, 0.9, 1.0}) {
            int rows = 37, cols = 203; // odd sizes: rows of every length, tails of every length
            float[] dense = new float[rows * cols], x = new float[cols];
            for (int i = 0; i < dense.length; i++) dense[i] = rnd.nextDouble() < sparsity ? 0 : (float) rnd.nextGaussian();
            for (int j = 0; j < cols; j++) x[j] = (float) rnd.nextGaussian();
            SparseMatrix m = SparseMatrix.of(dense, rows, cols);
            assertThat(m.toDense()).containsExactly(dense);
            float[] a = new float[rows], b = new float[rows];
            SparseMatVec.matvec(m, x, a);
            SparseMatVecScalar.matvec(m, x, b);
            for (int r = 0; r < rows; r++) {
                double ref = 0;
                for (int j = 0; j < cols; j++) ref += (double) dense[r * cols + j] * x[j];
                assertThat((double) a[r]).as("sparsity %s row %d", sparsity, r).isCloseTo(b[r], org.assertj.core.data.Offset.offset(1e-4));
                assertThat((double) b[r]).isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }
}
