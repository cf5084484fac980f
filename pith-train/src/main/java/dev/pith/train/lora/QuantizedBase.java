package dev.pith.train.lora;

import dev.pith.core.Parallel;
import dev.pith.core.Tensor;
import dev.pith.core.kernel.MatMul;
import dev.pith.train.Linear;

/**
 * QLoRA's frozen base: the weight stays in its own blocks (Q4_0, Q8_0, F16, … as loaded, usually a
 * memory-mapped file) and is never copied to float32 as a whole. Forward is the runtime's
 * {@link MatMul} (y = x·Wᵀ with llama.cpp's numerics). Backward needs only dx = dy·W: W is
 * dequantized a tile of {@value #TILE} rows at a time into a small scratch, and each tile adds
 * dy[:, tile]·W[tile, :] into dx, so the extra memory is TILE × in floats, not out × in.
 */
public final class QuantizedBase implements Linear.FrozenBase {
    static final int TILE = 64;
    private final Tensor w;
    private final int in, out;
    private float[] tile = new float[0];

    public QuantizedBase(Tensor w) {
        this.w = w;
        this.in = w.cols();
        this.out = w.rows();
    }

    public Tensor tensor() { return w; }

    @Override
    public void forward(float[] x, float[] y, int n) { MatMul.matmul(w, x, n, y); }

    @Override
    public void backwardInput(float[] dy, float[] dx, int n, boolean accumulate) {
        if (!accumulate) java.util.Arrays.fill(dx, 0, n * in, 0f);
        if (tile.length < TILE * in) tile = new float[TILE * in];
        float[] t = tile;
        for (int r0 = 0; r0 < out; r0 += TILE) {
            int r1 = Math.min(out, r0 + TILE), base = r0;
            Parallel.forRange(r1 - r0, 8, (from, to) -> {
                for (int r = from; r < to; r++) MatMul.getRow(w, base + r, t, r * in);
            });
            Parallel.forRange(n, 4, (from, to) -> {
                for (int i = from; i < to; i++) {
                    int xo = i * in, yo = i * out;
                    for (int r = base; r < r1; r++) {
                        float g = dy[yo + r];
                        if (g == 0f) continue;
                        int wo = (r - base) * in;
                        for (int j = 0; j < in; j++) dx[xo + j] += g * t[wo + j];
                    }
                }
            });
        }
    }
}
