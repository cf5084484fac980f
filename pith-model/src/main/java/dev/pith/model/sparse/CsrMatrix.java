package dev.pith.model.sparse;

/**
 * A pruned weight matrix in compressed sparse row form: the non-zeros of each row with their column
 * numbers, so a product reads and multiplies only what pruning kept. Columns are ints because the
 * vector kernel gathers activations by an int index map; a non-zero therefore costs 8 bytes against
 * a dense F32 weight's 4, and the form saves memory only beyond 50 % sparsity.
 */
public final class CsrMatrix implements SparseWeight {
    private final int rows, cols, maxRow;
    private final int[] rowStart;   // rows + 1 offsets into values / columns
    private final int[] columns;
    private final float[] values;

    CsrMatrix(int rows, int cols, int[] rowStart, int[] columns, float[] values) {
        this.rows = rows;
        this.cols = cols;
        this.rowStart = rowStart;
        this.columns = columns;
        this.values = values;
        int m = 0;
        for (int r = 0; r < rows; r++) m = Math.max(m, rowStart[r + 1] - rowStart[r]);
        this.maxRow = m;
    }

    /** The non-zeros of a dense rows × cols matrix (row-major). */
    public static CsrMatrix of(float[] dense, int rows, int cols) {
        return of((r, row) -> System.arraycopy(dense, r * cols, row, 0, cols), rows, cols);
    }

    /** The non-zeros of a matrix read one row at a time (two passes: count, then fill). */
    static CsrMatrix of(RowSource src, int rows, int cols) {
        float[] row = new float[cols];
        int[] start = new int[rows + 1];
        int nnz = 0;
        for (int r = 0; r < rows; r++) {
            src.row(r, row);
            for (int j = 0; j < cols; j++) if (row[j] != 0) nnz++;
            start[r + 1] = nnz;
        }
        int[] col = new int[nnz];
        float[] val = new float[nnz];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            src.row(r, row);
            for (int j = 0; j < cols; j++) {
                if (row[j] != 0) {
                    col[k] = j;
                    val[k++] = row[j];
                }
            }
        }
        return new CsrMatrix(rows, cols, start, col, val);
    }

    @Override public int rows() { return rows; }
    @Override public int cols() { return cols; }
    @Override public int nonZeros() { return values.length; }
    @Override public long byteSize() { return 8L * values.length + 4L * rowStart.length; }
    @Override public float[] values() { return values; }
    @Override public int rowStart(int r) { return rowStart[r]; }
    @Override public int rowEnd(int r) { return rowStart[r + 1]; }
    @Override public int[] columns(int r, int[] scratch) { return columns; }
    @Override public int columnOffset(int r) { return rowStart[r]; }
    @Override public int maxRowLength() { return maxRow; }
}
