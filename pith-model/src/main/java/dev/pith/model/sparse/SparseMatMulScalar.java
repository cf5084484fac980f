package dev.pith.model.sparse;

/**
 * The plain twin of {@link SparseMatMul}: {@code out[t*rows + r] = Σ_k values[k] · x_t[column k]}
 * over row r's stored values, in order, one token at a time.
 */
public final class SparseMatMulScalar {
    private SparseMatMulScalar() {}

    public static void matmul(SparseWeight w, float[] x, int n, float[] out) {
        int rows = w.rows(), cols = w.cols();
        int[] scratch = new int[w.maxRowLength()];
        float[] v = w.values();
        for (int r = 0; r < rows; r++) {
            int[] col = w.columns(r, scratch);
            int off = w.columnOffset(r) - w.rowStart(r);
            for (int t = 0; t < n; t++) {
                float sum = 0;
                for (int k = w.rowStart(r); k < w.rowEnd(r); k++) sum += v[k] * x[t * cols + col[k + off]];
                out[t * rows + r] = sum;
            }
        }
    }

    /** Row r times token t of transposed activations xt (column j of token t at j·n + t). */
    static float dotColumns(SparseWeight w, int r, int[] col, float[] xt, int n, int t) {
        float[] v = w.values();
        int off = w.columnOffset(r) - w.rowStart(r);
        float sum = 0;
        for (int k = w.rowStart(r); k < w.rowEnd(r); k++) sum += v[k] * xt[col[k + off] * n + t];
        return sum;
    }
}
