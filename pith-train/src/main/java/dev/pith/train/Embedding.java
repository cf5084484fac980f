package dev.pith.train;

/** Token embedding: row lookup forward, scatter-add of the output gradient backward. */
public final class Embedding {
    private final Param table;

    public Embedding(Param table) { this.table = table; }

    public Param table() { return table; }

    /** out[i, :] = table[tokens[i], :] for each of the n tokens. */
    public void forward(int[] tokens, int n, float[] out) {
        int dim = table.cols();
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
