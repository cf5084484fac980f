package dev.pith.compress.prune;

import dev.pith.core.Parallel;

/**
 * SparseGPT (Frantar &amp; Alistarh, 2023) for one weight matrix: prune column by column, left to right,
 * and after each column move the error of the pruned weights onto the columns not yet visited with
 * the optimal-brain-surgeon update, using the inverse of the calibration Hessian H = XᵀX restricted to
 * those columns. The rows of the upper Cholesky factor U of H⁻¹ are exactly those restricted inverses'
 * first rows, scaled (H_F⁻¹[i, i:] = U[i,i] · U[i, i:]), so one factorisation serves every step.
 * Columns go in blocks: updates inside a block happen at once, the rest of the matrix gets the
 * block's accumulated error in one product afterwards (the paper's lazy batch update), and the mask
 * of each block is chosen when the block starts, from the weights as updated so far, by the OBS
 * saliency w² / U[i,i]² (adaptive mask selection); N:M groups are chosen when their first column comes.
 */
public final class SparseGpt {
    private SparseGpt() {}

    /** The paper's defaults: 1% of the mean diagonal as dampening, blocks of 128 columns. */
    public static final double DAMP = 0.01;
    public static final int BLOCK = 128;

    /**
     * Makes XᵀX usable: a column no calibration token ever touched gets H_ii = 1 and its weights zeroed
     * (nothing could measure them), then {@code damp} × mean(diag H) is added to the diagonal. Returns
     * a new matrix; {@code w} (rows × cols) has its dead columns zeroed in place.
     */
    public static double[] prepareHessian(double[] xtx, double[] w, int rows, int cols, double damp) {
        double[] h = xtx.clone();
        double mean = 0;
        for (int i = 0; i < cols; i++) {
            if (h[i * cols + i] == 0) {
                h[i * cols + i] = 1;
                for (int r = 0; r < rows; r++) w[r * cols + i] = 0;
            }
            mean += h[i * cols + i];
        }
        mean /= cols;
        for (int i = 0; i < cols; i++) h[i * cols + i] += damp * mean;
        return h;
    }

    /**
     * Prunes {@code w} (rows × cols, row-major, updated in place) with the prepared Hessian {@code h};
     * returns the mask (true = pruned). {@code block} is rounded down to a multiple of the N:M group.
     */
    public static boolean[] prune(double[] w, int rows, int cols, double[] h, Sparsity s, int block) {
        double[] u = Cholesky.upper(Cholesky.inverse(h, cols), cols);
        boolean[] mask = new boolean[rows * cols];
        int bs = s.isPattern() ? Math.max(s.m(), block / s.m() * s.m()) : Math.max(1, block);
        double[] err = new double[rows * bs];
        for (int start = 0; start < cols; start += bs) {
            int i1 = start, i2 = Math.min(cols, i1 + bs), width = i2 - i1;
            if (!s.isPattern()) selectBlock(w, rows, cols, u, s, i1, i2, mask);
            Parallel.forRange(rows, 4, (a, b) -> {
                for (int r = a; r < b; r++) pruneRowInBlock(w, r, cols, u, s, i1, i2, mask, err, bs);
            });
            // Lazy update of the columns right of the block: W[:, i2:] -= Err · U[i1:i2, i2:].
            Parallel.forRange(rows, 4, (a, b) -> {
                for (int r = a; r < b; r++) {
                    int row = r * cols;
                    for (int i = 0; i < width; i++) {
                        double e = err[r * bs + i];
                        if (e == 0) continue;
                        int urow = (i1 + i) * cols;
                        for (int j = i2; j < cols; j++) w[row + j] -= e * u[urow + j];
                    }
                }
            });
        }
        return mask;
    }

    /** Unstructured: the block's weakest prunedOf(rows × width) weights by w² / U_ii², over all its rows. */
    private static void selectBlock(double[] w, int rows, int cols, double[] u, Sparsity s, int i1, int i2, boolean[] mask) {
        int width = i2 - i1;
        float[] score = new float[rows * width];
        for (int r = 0; r < rows; r++)
            for (int i = i1; i < i2; i++) {
                double d = u[i * cols + i];
                double v = w[r * cols + i];
                score[r * width + i - i1] = (float) (v * v / (d * d));
            }
        boolean[] local = new boolean[rows * width];
        MaskSelector.smallest(score, 0, rows * width, s.prunedOf(rows * width), local);
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < width; i++) mask[r * cols + i1 + i] = local[r * width + i];
    }

    /** One row through one block: pick N:M groups as they come, zero the pruned, spread their error right. */
    private static void pruneRowInBlock(double[] w, int r, int cols, double[] u, Sparsity s, int i1, int i2,
                                        boolean[] mask, double[] err, int bs) {
        int row = r * cols;
        for (int i = i1; i < i2; i++) {
            if (s.isPattern() && (i - i1) % s.m() == 0) {
                float[] score = new float[s.m()];
                for (int k = 0; k < s.m(); k++) {
                    double d = u[(i + k) * cols + i + k], v = w[row + i + k];
                    score[k] = (float) (v * v / (d * d));
                }
                boolean[] group = new boolean[s.m()];
                MaskSelector.smallest(score, 0, s.m(), s.m() - s.n(), group);
                System.arraycopy(group, 0, mask, row + i, s.m());
            }
            double e = 0;
            if (mask[row + i]) {
                e = w[row + i] / u[i * cols + i];
                w[row + i] = 0;
                int urow = i * cols;
                for (int j = i + 1; j < i2; j++) w[row + j] -= e * u[urow + j];
            }
            err[r * bs + i - i1] = e;
        }
    }
}
