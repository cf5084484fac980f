package dev.pith.compress.gptq;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.quant.BlockGrid;
import dev.pith.core.quant.Quantizer;
import dev.pith.core.quant.WeightedQuantizer;

import java.util.Arrays;

/**
 * GPTQ (Frantar et al., 2022) onto ggml's block formats. Columns are quantized one at a time and
 * each one's rounding error is pushed onto the columns not yet quantized, weighted by the inverse
 * Hessian (its upper Cholesky factor), so the layer's output XWᵀ moves as little as possible. The
 * updates are applied lazily: inside a batch of columns at once, to the rest after each batch.
 *
 * <p>The group is the ggml block of the target type (32 or 256 columns of a row): when GPTQ reaches
 * a block's first column, the block's scales (and mins) are set by the format's own quantizer run
 * on the block's current, error-compensated values; the block's columns then take the grid value
 * nearest to their compensated value ({@link BlockGrid}). With act-order (columns in order of
 * decreasing Hessian diagonal) a block's columns are not contiguous in processing order, so its
 * scales come from the original weights instead ("static groups"). The codes are packed into the
 * block at the end: the result is an ordinary ggml tensor.
 *
 * <p>How the scales are chosen matters as much as the compensation: ggml's round-to-nearest
 * quantizers pick a block's scales (for Q3_K a search over candidate scales) to minimise the plain
 * squared error, as if every column mattered equally. With {@code weightedScales} the block
 * quantizer is the importance-weighted one ({@link WeightedQuantizer}, llama.cpp's --imatrix
 * path) with the Hessian diagonal 2·mean(x²) as importance, which is exactly the imatrix; the
 * scales are then those the imatrix method would pick (for act-order, identical), and GPTQ's
 * compensation works inside that grid. Without it (the first version) GPTQ's Q3_K lost to the
 * imatrix alone on ts-5m.
 *
 * @param dampPercent    added to the Hessian diagonal as a fraction of its mean (0.01 in GPTQ)
 * @param actOrder       process columns by decreasing Hessian diagonal
 * @param weightedScales choose each block's scales with the Hessian diagonal as importance
 * @param refits         rounds of {@link ScaleRefit} (scales refitted to the chosen codes on the
 *                       H-weighted error, then a GPTQ sweep inside the refitted grid); each row keeps
 *                       the version with the lowest output error, so more rounds never do worse
 */
public record Gptq(double dampPercent, boolean actOrder, boolean weightedScales, int refits) {
    public static final Gptq DEFAULT = new Gptq(0.01, false, true, 0);
    /** Columns per tile of the lazy batch update (as on branch quant5s, so the two merge as one). */
    private static final int LAZY_TILE = 512;

    /** Importance-weighted scales (the default), no scale refit. */
    public Gptq(double dampPercent, boolean actOrder) {
        this(dampPercent, actOrder, true, 0);
    }

    /** No scale refit. */
    public Gptq(double dampPercent, boolean actOrder, boolean weightedScales) {
        this(dampPercent, actOrder, weightedScales, 0);
    }

    /** The packed rows and the values they dequantize to (what GPTQ chose). */
    public record Result(byte[] bytes, float[] values) {}

    /** Quantizes {@code w} (rows × cols, row-major) to {@code type} with Hessian {@code h} (cols × cols). */
    public Result quantize(float[] w, int rows, int cols, double[] h, DType type) {
        int bs = type.blockSize(), bb = type.blockBytes();
        if (cols % bs != 0) throw new IllegalArgumentException(cols + " columns is not a whole number of " + type + " blocks");
        double[] hd = h.clone();
        float[] importance = importance(h, cols);
        boolean[] dead = new boolean[cols];
        for (int i = 0; i < cols; i++) {
            if (hd[i * cols + i] == 0) {
                hd[i * cols + i] = 1;
                dead[i] = true;
            }
        }
        int[] perm = order(hd, cols);
        double[] hp = new double[cols * cols];
        for (int i = 0; i < cols; i++) for (int j = 0; j < cols; j++) hp[i * cols + j] = hd[perm[i] * cols + perm[j]];
        double[] u = factor(hp, cols);

        int rowBytes = (cols / bs) * bb;
        byte[] out = new byte[rows * rowBytes];
        float[] values = new float[rows * cols];
        Parallel.forRange(rows, 4, (from, to) -> {
            int nr = to - from;
            double[] wp = new double[nr * cols];
            for (int r = 0; r < nr; r++) {
                for (int k = 0; k < cols; k++) wp[r * cols + k] = dead[perm[k]] ? 0 : w[(from + r) * cols + perm[k]];
            }
            byte[][] rb = new byte[nr][];
            int[][] codes = new int[nr][cols];
            if (actOrder) {
                for (int r = 0; r < nr; r++) {
                    float[] orig = new float[cols];
                    for (int k = 0; k < cols; k++) orig[perm[k]] = (float) wp[r * cols + k];
                    rb[r] = blockScales(type, orig, 0, cols, importance);
                }
            } else {
                for (int r = 0; r < nr; r++) rb[r] = new byte[rowBytes];
            }
            double[] best = new double[nr];
            byte[][] bestRows = new byte[nr][];
            float[][] bestValues = new float[nr][];
            for (int pass = 0; pass <= refits; pass++) {
                if (pass > 0) {
                    for (int r = 0; r < nr; r++) {
                        for (int k = 0; k < cols; k++) wp[r * cols + k] = dead[perm[k]] ? 0 : w[(from + r) * cols + perm[k]];
                    }
                }
                columns(type, wp, nr, cols, perm, u, rb, codes, importance, pass > 0);
                for (int r = 0; r < nr; r++) {
                    int[] q = new int[bs];
                    for (int b = 0; b < cols / bs; b++) {
                        System.arraycopy(codes[r], b * bs, q, 0, bs);
                        BlockGrid.pack(type, q, rb[r], b * bb);
                    }
                    keep(type, rb[r], codes[r], w, (from + r) * cols, refits > 0 ? h : null, cols, best, bestRows, bestValues, r);
                    if (pass == refits) continue;
                    // the next pass compensates inside the refitted grid; each row keeps whichever version had the lowest output error
                    byte[] fit = ScaleRefit.refit(type, rb[r], codes[r], w, (from + r) * cols, h, cols);
                    if (fit == null) continue;
                    keep(type, fit, codes[r], w, (from + r) * cols, h, cols, best, bestRows, bestValues, r);
                    rb[r] = fit;
                }
            }
            for (int r = 0; r < nr; r++) {
                System.arraycopy(bestRows[r], 0, out, (from + r) * rowBytes, rowBytes);
                System.arraycopy(bestValues[r], 0, values, (from + r) * cols, cols);
            }
        });
        return new Result(out, values);
    }

    /**
     * One GPTQ sweep over the columns of {@code nr} rows ({@code wp}, permuted, overwritten by the
     * compensation): each column takes the code nearest its compensated value in its block's grid
     * ({@code rb}) and its error is spread onto the columns after it. Without act-order, unless
     * {@code fixedScales}, a block's scales are set when the sweep reaches its first column.
     */
    private void columns(DType type, double[] wp, int nr, int cols, int[] perm, double[] u, byte[][] rb, int[][] codes,
                         float[] importance, boolean fixedScales) {
        int bs = type.blockSize(), bb = type.blockBytes();
        int batch = Math.max(128, bs);
        double[] err = new double[nr * batch];
        float[] block = new float[bs];
        for (int i1 = 0; i1 < cols; i1 += batch) {
            int i2 = Math.min(i1 + batch, cols);
            for (int k = i1; k < i2; k++) {
                int col = perm[k], blk = col / bs, pos = col % bs;
                double d = u[k * cols + k];
                for (int r = 0; r < nr; r++) {
                    int ro = r * cols;
                    if (!actOrder && !fixedScales && pos == 0) {
                        // without act-order perm is the identity, so the block is wp[ro+k .. ro+k+bs), all in this batch
                        for (int b = 0; b < bs; b++) block[b] = (float) wp[ro + k + b];
                        System.arraycopy(blockScales(type, block, col, bs, importance), 0, rb[r], blk * bb, bb);
                    }
                    float x = (float) wp[ro + k];
                    int q = BlockGrid.nearest(type, rb[r], blk * bb, pos, x);
                    codes[r][col] = q;
                    float v = BlockGrid.value(type, rb[r], blk * bb, pos, q);
                    double e = (wp[ro + k] - v) / d;
                    for (int j = k + 1; j < i2; j++) wp[ro + j] -= e * u[k * cols + j];
                    err[r * batch + (k - i1)] = e;
                }
            }
            // the lazy update, in column tiles: a tile of U's batch rows (128 × 512 doubles) stays in
            // cache for all of this thread's rows instead of each row streaming all of U (0.5 GB for an
            // 8192-wide ffn_down); every element still takes its k = i1..i2 terms in order
            for (int j0 = i2; j0 < cols; j0 += LAZY_TILE) {
                int j1 = Math.min(j0 + LAZY_TILE, cols);
                for (int r = 0; r < nr; r++) {
                    int ro = r * cols;
                    for (int k = i1; k < i2; k++) {
                        double e = err[r * batch + (k - i1)];
                        if (e == 0) continue;
                        int uk = k * cols;
                        for (int j = j0; j < j1; j++) wp[ro + j] -= e * u[uk + j];
                    }
                }
            }
        }
    }

    /** Makes {@code row} (with {@code codes}) row r's result when its output error is the lowest yet (always when {@code h} is null: nothing to compare). */
    private static void keep(DType type, byte[] row, int[] codes, float[] w, int wo, double[] h, int cols,
                             double[] best, byte[][] bestRows, float[][] bestValues, int r) {
        int bs = type.blockSize(), bb = type.blockBytes();
        float[] v = new float[cols];
        for (int c = 0; c < cols; c++) v[c] = BlockGrid.value(type, row, (c / bs) * bb, c % bs, codes[c]);
        double e = h == null ? 0 : ScaleRefit.error(w, wo, v, 0, h, cols);
        if (bestRows[r] == null || e < best[r]) {
            best[r] = e;
            bestRows[r] = row.clone();
            bestValues[r] = v;
        }
    }

    /**
     * The block(s) of {@code x[0..n)}, whose first column is column {@code col0} of the matrix,
     * quantized by the format's own quantizer: weighted by {@code importance} when given, else RTN.
     */
    static byte[] blockScales(DType type, float[] x, int col0, int n, float[] importance) {
        if (importance == null) return Quantizer.quantize(type, x, n);
        return WeightedQuantizer.quantizeRow(type, x, n, java.util.Arrays.copyOfRange(importance, col0, col0 + n));
    }

    /** The Hessian diagonal as importance (null without weighted scales); a silent column gets a tiny positive weight. */
    private float[] importance(double[] h, int n) {
        if (!weightedScales) return null;
        double mean = 0;
        for (int i = 0; i < n; i++) mean += h[i * n + i];
        mean /= n;
        double floor = mean > 0 ? mean * 1e-6 : 1e-12;
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) Math.max(h[i * n + i], floor);
        return w;
    }

    /** Processing order: act-order sorts by decreasing Hessian diagonal (stable), otherwise the identity. */
    private int[] order(double[] h, int n) {
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        if (actOrder) Arrays.sort(idx, (a, b) -> Double.compare(h[b * n + b], h[a * n + a]));
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = idx[i];
        return p;
    }

    /** Dampens H and factors its inverse; a Hessian that is still singular gets ten times the damping, up to 1e6 times. */
    private double[] factor(double[] hp, int n) {
        double mean = 0;
        for (int i = 0; i < n; i++) mean += hp[i * n + i];
        mean /= n;
        double damp = dampPercent * mean;
        if (!(damp > 0)) damp = 1e-8;
        for (int attempt = 0; attempt < 7; attempt++, damp *= 10) {
            double[] a = hp.clone();
            for (int i = 0; i < n; i++) a[i * n + i] += damp;
            double[] u = Cholesky.upperOfInverse(a, n);
            if (u != null) return u;
        }
        throw new IllegalStateException("the Hessian is not positive definite even after dampening");
    }
}
