package dev.pith.compress.gptq;

import dev.pith.core.Parallel;

/** The dense linear algebra GPTQ and SparseGPT need, on small row-major double matrices. */
public final class Cholesky {
    private Cholesky() {}

    /** Lower-triangular L with A = LLᵀ, or null when A is not (numerically) positive definite. */
    public static double[] lower(double[] a, int n) {
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
                if (i == j) {
                    if (!(s > 0)) return null;
                    l[i * n + i] = Math.sqrt(s);
                } else {
                    l[i * n + j] = s / l[j * n + j];
                }
            }
        }
        return l;
    }

    /**
     * The inverse of a lower-triangular matrix (lower-triangular). Column j depends only on itself,
     * so columns run in parallel, each built in a contiguous scratch vector (reading it down a
     * column of the n × n result, stride n, is a cache miss per term at GPTQ's n = 8192); every sum
     * is still taken in the same order, so the result is the same to the bit.
     */
    public static double[] invertLower(double[] l, int n) {
        double[] inv = new double[n * n];
        Parallel.forRange(n, 1, (from, to) -> {
            double[] col = new double[n];
            for (int j = from; j < to; j++) {
                col[j] = 1 / l[j * n + j];
                inv[j * n + j] = col[j];
                for (int i = j + 1; i < n; i++) {
                    double s = 0;
                    for (int k = j; k < i; k++) s += l[i * n + k] * col[k];
                    col[i] = -s / l[i * n + i];
                    inv[i * n + j] = col[i];
                }
            }
        });
        return inv;
    }

    /**
     * The upper Cholesky factor U of H⁻¹ (H⁻¹ = UᵀU), which GPTQ's column loop reads: row k of U
     * is how the error of column k spreads to the columns after it, U[k][k] its scale. Null when H
     * is not positive definite.
     */
    static double[] upperOfInverse(double[] h, int n) {
        double[] l = lower(h, n);
        if (l == null) return null;
        double[] li = invertLower(l, n);
        // H⁻¹ = L⁻ᵀ L⁻¹: entry (i, j) is column i of L⁻¹ dotted with column j, so the columns are
        // made rows first (contiguous reads, same order of terms), and rows of the result run in parallel
        double[] lt = new double[n * n];
        for (int k = 0; k < n; k++) for (int i = 0; i <= k; i++) lt[i * n + k] = li[k * n + i];
        double[] inv = new double[n * n];
        Parallel.forRange(n, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int k = i; k < n; k++) s += lt[i * n + k] * lt[j * n + k];
                    inv[i * n + j] = s;
                    inv[j * n + i] = s;
                }
            }
        });
        double[] l2 = lower(inv, n);
        if (l2 == null) return null;
        double[] u = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j <= i; j++) u[j * n + i] = l2[i * n + j];
        return u;
    }
}
