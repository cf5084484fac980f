package dev.pith.train;

/**
 * One trainable matrix or vector: its GGUF name, shape (rows × cols, row-major; a vector has one
 * row), weights and the gradient accumulated into them. {@code decay} says whether AdamW applies
 * weight decay to it (matrices of the blocks and the output head, not norms or the embedding).
 * A frozen parameter (fine-tuning's base weights) has no gradient buffer: {@code g} is null and
 * the layers that own it skip its weight gradient and compute only their input gradient. A
 * parameter {@link #storedElsewhere stored elsewhere} (QLoRA's quantized base) has no float weights
 * either: its {@link Linear} reads them through a {@link Linear.FrozenBase}.
 */
public final class Param {
    private final String name;
    private final int rows, cols;
    public final float[] w;
    public final float[] g;
    private final boolean decay;

    public Param(String name, int rows, int cols, boolean decay) { this(name, rows, cols, decay, true); }

    public Param(String name, int rows, int cols, boolean decay, boolean trainable) { this(name, rows, cols, decay, trainable, true); }

    private Param(String name, int rows, int cols, boolean decay, boolean trainable, boolean allocate) {
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        int n = Math.multiplyExact(rows, cols);
        this.w = allocate ? new float[n] : new float[0];
        this.g = trainable ? new float[n] : null;
        this.decay = decay;
    }

    private Param(Param shared) {
        this.name = shared.name;
        this.rows = shared.rows;
        this.cols = shared.cols;
        this.w = shared.w;
        this.g = shared.g == null ? null : new float[shared.g.length];
        this.decay = shared.decay;
    }

    /**
     * The same weights (one array, not a copy) with a gradient buffer of its own: what a replica of
     * the model for batch-parallel training holds, so each worker accumulates its share's gradient
     * without touching another's.
     */
    static Param sharingWeights(Param p) { return new Param(p); }

    /** A frozen matrix whose weights live outside the Java heap (no float copy at all). */
    public static Param storedElsewhere(String name, int rows, int cols) { return new Param(name, rows, cols, true, false, false); }

    public String name() { return name; }
    public int rows() { return rows; }
    public int cols() { return cols; }
    public int size() { return rows * cols; }
    public boolean decay() { return decay; }
    public boolean trainable() { return g != null; }
    /** False for a parameter {@link #storedElsewhere stored elsewhere}. */
    public boolean inHeap() { return w.length == size(); }

    /** Shape in ggml order (fastest dimension first), as GGUF stores it. */
    public long[] ggmlShape() { return rows == 1 ? new long[] {cols} : new long[] {cols, rows}; }

    public void zeroGrad() { if (g != null) java.util.Arrays.fill(g, 0f); }
}
