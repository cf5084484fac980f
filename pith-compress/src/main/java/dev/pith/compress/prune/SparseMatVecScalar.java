package dev.pith.compress.prune;

/** The reference sparse product: out[r] = Σ_k values[k] · x[columns[k]] over row r's non-zeros, in order. */
public final class SparseMatVecScalar {
    private SparseMatVecScalar() {}

    public static void matvec(SparseMatrix m, float[] x, float[] out) {
        for (int r = 0; r < m.rows; r++) {
            float sum = 0;
            for (int k = m.rowStart[r]; k < m.rowStart[r + 1]; k++) sum += m.values[k] * x[m.columns[k]];
            out[r] = sum;
        }
    }
}
