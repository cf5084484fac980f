package dev.pith.compress.awq;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.quant.Dequantizer;
import dev.pith.core.quant.Quantizer;

import java.lang.foreign.MemorySegment;

/**
 * AWQ's weight clipping (the paper's auto_clip): for every output row and every ggml block of the
 * target type (the group that shares scales: 32 columns, or a 256-column K super-block), the
 * block's weights are clamped to ±r·max|w| for r on a grid from 1 down to {@code 1 − maxShrink},
 * and the r kept is the one whose quantized block gives the smallest output error on the
 * calibration activations, δᵀ·G·δ with δ = w − Q(clamp(w)) and G the block's part of XᵀX. r = 1
 * (no clipping) is a candidate, so a block never gets worse than plain rounding by this measure.
 * The clamped weights replace the originals; rounding them to nearest afterwards reproduces the
 * searched blocks exactly, so the file is an ordinary ggml file.
 *
 * <p>Why it helps on top of ggml's own scale searches: those minimise the plain squared error of
 * the block's weights, this one the error of the block's contribution to the layer's output, which
 * lets a weight on a quiet channel be clipped to spend the grid on the loud ones.
 */
public final class ClipSearch {
    private final int grid;
    private final double maxShrink;

    /** {@code grid} steps of 1/grid in r, down to {@code 1 - maxShrink} (AWQ: 20 steps, 0.5). */
    public ClipSearch(int grid, double maxShrink) {
        if (grid < 1 || !(maxShrink >= 0 && maxShrink < 1)) throw new IllegalArgumentException("grid >= 1 and 0 <= maxShrink < 1");
        this.grid = grid;
        this.maxShrink = maxShrink;
    }

    /** The output error before and after clipping, summed over the matrix's blocks. */
    public record Result(double error, double unclippedError) {}

    /**
     * Clips {@code w} (rows × cols, row-major) in place for {@code type}; {@code gram} is XᵀX of the
     * matrix's input (cols × cols). Types without blocks (F16…) are left alone.
     */
    public Result clip(float[] w, int rows, int cols, DType type, double[] gram) {
        if (!Quantizer.supports(type)) return new Result(0, 0);
        int bs = type.blockSize();
        if (cols % bs != 0) throw new IllegalArgumentException(cols + " columns is not a whole number of " + type + " blocks");
        int steps = (int) Math.round(grid * maxShrink);
        double[] best = new double[rows], plain = new double[rows];
        Parallel.forRange(rows, 4, (from, to) -> {
            float[] block = new float[bs], trial = new float[bs], back = new float[bs], kept = new float[bs];
            for (int r = from; r < to; r++) {
                for (int b0 = 0; b0 < cols; b0 += bs) {
                    System.arraycopy(w, r * cols + b0, block, 0, bs);
                    float max = 0;
                    for (float v : block) max = Math.max(max, Math.abs(v));
                    double bestErr = Double.POSITIVE_INFINITY;
                    for (int s = 0; s <= steps; s++) {
                        float lim = (float) (max * (1 - (double) s / grid));
                        for (int j = 0; j < bs; j++) trial[j] = Math.max(-lim, Math.min(lim, block[j]));
                        roundTrip(type, trial, back);
                        double e = blockError(block, back, gram, cols, b0);
                        if (s == 0) plain[r] += e;
                        if (e < bestErr) {
                            bestErr = e;
                            System.arraycopy(trial, 0, kept, 0, bs);
                        }
                    }
                    best[r] += bestErr;
                    System.arraycopy(kept, 0, w, r * cols + b0, bs);
                }
            }
        });
        double e = 0, p = 0;
        for (int r = 0; r < rows; r++) {
            e += best[r];
            p += plain[r];
        }
        return new Result(e, p);
    }

    private static void roundTrip(DType type, float[] x, float[] out) {
        Dequantizer.dequantize(type, MemorySegment.ofArray(Quantizer.quantize(type, x, x.length)), 0, out, 0, x.length);
    }

    /** δᵀ·G_bb·δ for δ = orig − q on the block's columns b0 … b0+len. */
    static double blockError(float[] orig, float[] q, double[] gram, int cols, int b0) {
        int n = orig.length;
        double[] d = new double[n];
        for (int j = 0; j < n; j++) d[j] = (double) orig[j] - q[j];
        double s = 0;
        for (int i = 0; i < n; i++) {
            if (d[i] == 0) continue;
            int o = (b0 + i) * cols + b0;
            double gi = 0;
            for (int j = 0; j < n; j++) gi += gram[o + j] * d[j];
            s += d[i] * gi;
        }
        return s;
    }
}
