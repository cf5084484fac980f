package dev.pith.train;

/**
 * Token embedding: row lookup forward, scatter-add of the output gradient backward. A frozen table
 * stored elsewhere (QLoRA: the embedding kept in its quantized blocks) is read through a
 * {@link Rows} source, which produces just the rows a batch needs.
 */
public final class Embedding {
    /** Writes row {@code row} of a table held outside {@link Param#w} into dst[off, off + cols). */
    public interface Rows {
        void row(int row, float[] dst, int off);
    }

    private final Param table;
    private Rows rows;

    public Embedding(Param table) { this.table = table; }

    public Param table() { return table; }

    /** Reads the table through {@code r} (only for a table {@link Param#storedElsewhere stored elsewhere}). */
    public void setRows(Rows r) {
        if (r != null && table.inHeap()) throw new IllegalStateException(table.name() + " is held in floats; only a table stored elsewhere is read through rows");
        this.rows = r;
    }

    /** out[i, :] = table[tokens[i], :] for each of the n tokens. */
    public void forward(int[] tokens, int n, float[] out) {
        int dim = table.cols();
        if (!table.inHeap()) {
            if (rows == null) throw new IllegalStateException(table.name() + " is stored elsewhere but has no row source");
            for (int i = 0; i < n; i++) rows.row(tokens[i], out, i * dim);
            return;
        }
        for (int i = 0; i < n; i++) System.arraycopy(table.w, tokens[i] * dim, out, i * dim, dim);
    }

    /** table.g[tokens[i], :] += dout[i, :]; sequential because tokens repeat. */
    public void backward(int[] tokens, int n, float[] dout) {
        int dim = table.cols();
        float[] g = table.g;
        if (g == null) return; // frozen
        for (int i = 0; i < n; i++) {
            int row = tokens[i] * dim, src = i * dim;
            for (int j = 0; j < dim; j++) g[row + j] += dout[src + j];
        }
    }
}
