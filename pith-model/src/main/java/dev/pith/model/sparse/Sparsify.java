package dev.pith.model.sparse;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.kernel.MatMul;

/**
 * Decides, for one F32 or F16 weight matrix, whether a sparse form pays, and builds it. Candidates:
 * N:M (N ≤ M/2, M = 4 or 8) when every group of M consecutive weights in every row has at most N
 * non-zeros, and CSR when at least {@link #CSR_MIN_ZERO_FRACTION} of the weights are zero; the
 * candidate with the fewest bytes wins. Below that fraction CSR (8 bytes per non-zero) is no
 * smaller than dense and its gathers make it slower (bench/RESULTS.md), so the matrix stays dense.
 * Quantized matrices always stay dense: their blocks are already compact and pruning writes F32.
 */
public final class Sparsify {
    /** Least zero fraction at which a matrix without an N:M pattern is held as CSR. */
    public static final double CSR_MIN_ZERO_FRACTION = 0.6;
    // A first row with fewer zeros than this rules a matrix out after reading one row, so dense
    // models pay almost nothing at load time (pruned rows all have the same sparsity).
    private static final double FIRST_ROW_MIN_ZERO_FRACTION = 0.4;

    private Sparsify() {}

    /** The sparse form of {@code t}, or null when it should be multiplied densely. */
    public static SparseWeight of(Tensor t) {
        return of(t, false);
    }

    /** With {@code always}, any matrix with a zero gets its smallest sparse form, whether or not it pays. */
    public static SparseWeight of(Tensor t, boolean always) {
        if (t.rank() != 2 || (t.type() != DType.F32 && t.type() != DType.F16)) return null;
        int rows = t.rows(), cols = t.cols();
        RowSource src = (r, dst) -> MatMul.getRow(t, r, dst, 0);
        float[] row = new float[cols];
        src.row(0, row);
        if (!always && zeros(row) < FIRST_ROW_MIN_ZERO_FRACTION * cols) return null;
        long zeros = 0;
        int max4 = 0, max8 = 0;
        for (int r = 0; r < rows; r++) {
            src.row(r, row);
            zeros += zeros(row);
            if (cols % 4 == 0) max4 = Math.max(max4, maxPerGroup(row, 4));
            if (cols % 8 == 0) max8 = Math.max(max8, maxPerGroup(row, 8));
        }
        long total = (long) rows * cols;
        if (zeros == 0) return null;
        long csrBytes = (always || zeros >= CSR_MIN_ZERO_FRACTION * total) ? 8L * (total - zeros) + 4L * (rows + 1) : Long.MAX_VALUE;
        long nm4Bytes = cols % 4 == 0 && max4 <= 2 ? (5L * rows + 4) * (cols / 4) * Math.max(1, max4) : Long.MAX_VALUE;
        long nm8Bytes = cols % 8 == 0 && max8 <= 4 ? (5L * rows + 4) * (cols / 8) * Math.max(1, max8) : Long.MAX_VALUE;
        long best = Math.min(csrBytes, Math.min(nm4Bytes, nm8Bytes));
        if (best == Long.MAX_VALUE) return null;
        if (best == nm4Bytes) return NmMatrix.of(src, rows, cols, Math.max(1, max4), 4);
        if (best == nm8Bytes) return NmMatrix.of(src, rows, cols, Math.max(1, max8), 8);
        return CsrMatrix.of(src, rows, cols);
    }

    private static int zeros(float[] row) {
        int z = 0;
        for (float v : row) if (v == 0) z++;
        return z;
    }

    private static int maxPerGroup(float[] row, int m) {
        int max = 0;
        for (int g = 0; g < row.length; g += m) {
            int nz = 0;
            for (int i = 0; i < m; i++) if (row[g + i] != 0) nz++;
            max = Math.max(max, nz);
        }
        return max;
    }
}
