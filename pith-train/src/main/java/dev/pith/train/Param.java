package dev.pith.train;

/**
 * One trainable matrix or vector: its GGUF name, shape (rows × cols, row-major; a vector has one
 * row), weights and the gradient accumulated into them. {@code decay} says whether AdamW applies
 * weight decay to it (matrices of the blocks and the output head, not norms or the embedding).
 */
public final class Param {
    private final String name;
    private final int rows, cols;
    public final float[] w;
    public final float[] g;
    private final boolean decay;

    public Param(String name, int rows, int cols, boolean decay) {
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        int n = Math.multiplyExact(rows, cols);
        this.w = new float[n];
        this.g = new float[n];
        this.decay = decay;
    }

    public String name() { return name; }
    public int rows() { return rows; }
    public int cols() { return cols; }
    public int size() { return w.length; }
    public boolean decay() { return decay; }

    /** Shape in ggml order (fastest dimension first), as GGUF stores it. */
    public long[] ggmlShape() { return rows == 1 ? new long[] {cols} : new long[] {cols, rows}; }

    public void zeroGrad() { java.util.Arrays.fill(g, 0f); }
}
