package dev.pith.compress.prune;

/**
 * A pruned weight matrix in compressed sparse row form: the non-zeros of each row with their column
 * numbers, so a product reads and multiplies only what pruning kept. Columns are ints because the
 * vector kernel gathers activations by an int index map; a non-zero therefore costs 8 bytes against
 * a dense F32 weight's 4, and the form saves memory only beyond 50 % sparsity (the benchmark in
 * bench/prune reports both size and speed).
 */
public final class SparseMatrix {
    final int rows, cols;
    final int[] rowStart;   // rows + 1 offsets into values / columns
    final int[] columns;
    final float[] values;

    private SparseMatrix(int rows, int cols, int[] rowStart, int[] columns, float[] values) {
        this.rows = rows;
        this.cols = cols;
        this.rowStart = rowStart;
        this.columns = columns;
        this.values = values;
    }

    /** The non-zeros of a dense rows × cols matrix (row-major). */
    public static SparseMatrix of(float[] dense, int rows, int cols) {
        int[] start = new int[rows + 1];
        int nnz = 0;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) if (dense[r * cols + j] != 0) nnz++;
            start[r + 1] = nnz;
        }
        int[] col = new int[nnz];
        float[] val = new float[nnz];
        int k = 0;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++) {
                float v = dense[r * cols + j];
                if (v != 0) {
                    col[k] = j;
                    val[k++] = v;
                }
            }
        return new SparseMatrix(rows, cols, start, col, val);
    }

    public int rows() { return rows; }
    public int cols() { return cols; }
    public int nonZeros() { return values.length; }

    /** Bytes of the compressed form (values, column numbers, row offsets). */
    public long byteSize() { return 8L * values.length + 4L * rowStart.length; }

    /** The dense matrix again, row-major (for export: GGUF holds pruned weights densely). */
    public float[] toDense() {
        float[] d = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int k = rowStart[r]; k < rowStart[r + 1]; k++) d[r * cols + columns[k]] = values[k];
        return d;
    }
}
