package dev.pith.model.sparse;

/**
 * A weight matrix held by its non-zeros only, for the runtime's sparse products
 * ({@link SparseMatMul}, twin {@link SparseMatMulScalar}). Row r's non-zeros are
 * {@code values()[rowStart(r) .. rowEnd(r))}; their column numbers come from {@link #columns}, which
 * either hands out a stored array (CSR) or decodes the row into a scratch array (N:M), so both
 * forms share one set of kernels.
 */
public sealed interface SparseWeight permits CsrMatrix, NmMatrix {
    int rows();

    int cols();

    /** Stored values, zeros that pad an N:M group included. */
    int nonZeros();

    /** Bytes the form holds (values, indices, offsets). */
    long byteSize();

    float[] values();

    int rowStart(int r);

    int rowEnd(int r);

    /**
     * Column numbers of row r: the returned array holds the column of value k at
     * {@code k - rowStart(r) + columnOffset(r)}. {@code scratch} must hold {@link #maxRowLength()} ints.
     */
    int[] columns(int r, int[] scratch);

    int columnOffset(int r);

    /** The longest row, in stored values (size of the scratch {@link #columns} needs). */
    int maxRowLength();

    /** The dense matrix again, row-major (GGUF export writes pruned weights densely). */
    default float[] toDense() {
        int rows = rows(), cols = cols();
        float[] d = new float[Math.multiplyExact(rows, cols)];
        int[] scratch = new int[maxRowLength()];
        float[] v = values();
        for (int r = 0; r < rows; r++) {
            int[] col = columns(r, scratch);
            int off = columnOffset(r) - rowStart(r);
            for (int k = rowStart(r); k < rowEnd(r); k++) if (v[k] != 0) d[r * cols + col[k + off]] = v[k];
        }
        return d;
    }
}
