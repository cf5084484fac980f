package dev.pith.compress.prune;

import dev.pith.core.Parallel;
import dev.pith.core.PithException;

/**
 * SparseGPT (Frantar and Alistarh 2023): prune a layer while updating its remaining weights to
 * keep the layer's output on the calibration inputs, by the Optimal Brain Surgeon update.
 *
 * <p>With H = XᵀX (+1% of its mean diagonal, for stability), the inverse is taken through Cholesky
 * and replaced by the upper Cholesky factor U of H⁻¹: row j of U, divided by U_jj, is the OBS
 * update for column j once the columns before it are fixed, and U_jj² is that step's [H⁻¹]_jj.
 * Columns go in blocks of 128: a block's mask is chosen at its start by w²/U_jj² (N:M: at the start
 * of each group of M, from the weights updated so far), errors are pushed column by column inside
 * the block and to the later columns once per block (the paper's lazy batch update). Masks are
 * per output row, so rows are independent and run in parallel.
 */
public final class SparseGpt {
    public static final int BLOCK = 128;

    private SparseGpt() {}

    /**
     * Prunes {@code w} (rows × cols, row-major) in place. {@code hessian} is XᵀX (cols × cols,
     * row-major); it is overwritten.
     */
    public static void prune(float[] w, int rows, int cols, double[] hessian, Pattern p, String name) {
        double[] u = inverseCholeskyUpper(hessian, w, rows, cols, name);
        int block = p.nm() ? Math.max(p.m(), BLOCK / p.m() * p.m()) : BLOCK;
        Parallel.forRange(rows, 4, (a, b) -> {
            double[] row = new double[cols];
            for (int r = a; r < b; r++) {
                for (int j = 0; j < cols; j++) row[j] = w[r * cols + j];
                pruneRow(row, u, cols, p, block);
                for (int j = 0; j < cols; j++) w[r * cols + j] = (float) row[j];
            }
        });
    }

    private static void pruneRow(double[] row, double[] u, int cols, Pattern p, int block) {
        double[] score = new double[cols];
        boolean[] mask = new boolean[cols];
        double[] err = new double[block];
        for (int i1 = 0; i1 < cols; i1 += block) {
            int i2 = Math.min(cols, i1 + block);
            if (!p.nm()) {
                saliency(row, u, cols, i1, i2, score);
                Masks.lowest(score, i1, i2, p.prunedBetween(i1, i2), mask);
            }
            for (int i = i1; i < i2; i++) {
                if (p.nm() && (i - i1) % p.m() == 0) {
                    saliency(row, u, cols, i, i + p.m(), score);
                    Masks.lowest(score, i, i + p.m(), p.m() - p.n(), mask);
                }
                double d = u[i * cols + i];
                double q = mask[i] ? 0 : row[i];
                double e = (row[i] - q) / d;
                row[i] = q;
                for (int j = i + 1; j < i2; j++) row[j] -= e * u[i * cols + j];
                err[i - i1] = e;
            }
            for (int i = i1; i < i2; i++) {
                double e = err[i - i1];
                if (e == 0) continue;
                for (int j = i2; j < cols; j++) row[j] -= e * u[i * cols + j];
            }
        }
    }

    private static void saliency(double[] row, double[] u, int cols, int from, int to, double[] score) {
        for (int j = from; j < to; j++) {
            double d = u[j * cols + j];
            score[j] = row[j] * row[j] / (d * d);
        }
    }

    /**
     * Dead inputs (H_jj = 0) get H_jj = 1 and their weights zeroed, as the reference does; then
     * dampening, H⁻¹ via Cholesky, and the upper Cholesky factor of H⁻¹ (cols × cols).
     */
    static double[] inverseCholeskyUpper(double[] h, float[] w, int rows, int cols, String name) {
        double mean = 0;
        for (int j = 0; j < cols; j++) {
            if (h[j * cols + j] == 0) {
                h[j * cols + j] = 1;
                for (int r = 0; r < rows; r++) w[r * cols + j] = 0f;
            }
            mean += h[j * cols + j];
        }
        double damp = 0.01 * mean / cols;
        for (int j = 0; j < cols; j++) h[j * cols + j] += damp;
        double[] l = cholesky(h, cols, name);
        double[] inv = inverseFromCholesky(l, cols);
        double[] l2 = cholesky(inv, cols, name);
        // the upper factor is the lower factor transposed
        double[] u = new double[cols * cols];
        for (int i = 0; i < cols; i++) for (int j = 0; j <= i; j++) u[j * cols + i] = l2[i * cols + j];
        return u;
    }

    /** Lower-triangular L with A = L·Lᵀ. */
    static double[] cholesky(double[] a, int n, String name) {
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
                if (i == j) {
                    if (!(s > 0)) throw new PithException("the calibration Hessian of " + name + " is not positive definite; use more calibration text.");
                    l[i * n + i] = Math.sqrt(s);
                } else {
                    l[i * n + j] = s / l[j * n + j];
                }
            }
        }
        return l;
    }

    /** (L·Lᵀ)⁻¹ = L⁻ᵀ·L⁻¹ from the lower factor. */
    static double[] inverseFromCholesky(double[] l, int n) {
        double[] li = new double[n * n];
        for (int c = 0; c < n; c++) {
            // forward substitution for column c of L⁻¹
            for (int i = c; i < n; i++) {
                double s = i == c ? 1 : 0;
                for (int k = c; k < i; k++) s -= l[i * n + k] * li[k * n + c];
                li[i * n + c] = s / l[i * n + i];
            }
        }
        double[] inv = new double[n * n];
        Parallel.forRange(n, 8, (a, b) -> {
            for (int i = a; i < b; i++) {
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int k = i; k < n; k++) s += li[k * n + i] * li[k * n + j];
                    inv[i * n + j] = s;
                    inv[j * n + i] = s;
                }
            }
        });
        return inv;
    }
}
