package dev.pith.train.lora;

import dev.pith.core.Parallel;
import dev.pith.core.Tensor;
import dev.pith.core.kernel.MatMul;
import dev.pith.train.Embedding;
import dev.pith.train.Gemm;
import dev.pith.train.Linear;

/**
 * QLoRA's frozen base: the weight stays in its own blocks (Q4_0, Q8_0, F16, … as loaded, usually a
 * memory-mapped file) and is never copied to float32 as a whole. Forward is the runtime's
 * {@link MatMul} (y = x·Wᵀ with llama.cpp's numerics). Backward needs only dx = dy·W: W is
 * dequantized a tile of {@value #TILE} rows at a time into a small scratch, and each tile adds
 * dy[:, tile]·W[tile, :] into dx (a {@link Gemm} product), so the extra memory is TILE × (in + n)
 * floats, not out × in.
 *
 * <p>The token embedding stays in its blocks too: as {@link Embedding.Rows} it dequantizes only the
 * rows a batch looks up, and a tied output head is the same tensor read as a {@link Linear.FrozenBase}.
 */
public final class QuantizedBase implements Linear.FrozenBase, Embedding.Rows {
    static final int TILE = 64;
    private final Tensor w;
    private final int in, out;
    private float[] tile = new float[0], dyTile = new float[0];

    public QuantizedBase(Tensor w) {
        this.w = w;
        this.in = w.cols();
        this.out = w.rows();
    }

    public Tensor tensor() { return w; }

    @Override
    public void row(int row, float[] dst, int off) { MatMul.getRow(w, row, dst, off); }

    @Override
    public void forward(float[] x, float[] y, int n) { MatMul.matmul(w, x, n, y); }

    @Override
    public void backwardInput(float[] dy, float[] dx, int n, boolean accumulate) {
        if (!accumulate) java.util.Arrays.fill(dx, 0, n * in, 0f);
        if (tile.length < TILE * in) tile = new float[TILE * in];
        if (dyTile.length < n * TILE) dyTile = new float[n * TILE];
        float[] t = tile, d = dyTile;
        for (int r0 = 0; r0 < out; r0 += TILE) {
            int rows = Math.min(TILE, out - r0), base = r0;
            Parallel.forRange(rows, 8, (from, to) -> {
                for (int r = from; r < to; r++) MatMul.getRow(w, base + r, t, r * in);
            });
            // dx += dy[:, tile] · W[tile, :], the tile's columns of dy gathered to a dense n × rows block
            for (int i = 0; i < n; i++) System.arraycopy(dy, i * out + r0, d, i * rows, rows);
            Gemm.nn(d, t, dx, n, in, rows, true);
        }
    }
}
