package dev.pith.compress.gptq;

/** The dense linear algebra GPTQ needs, on small row-major double matrices. */
final class Cholesky {
    private Cholesky() {}

    /** Lower-triangular L with A = LLᵀ, or null when A is not (numerically) positive definite. */
    static double[] lower(double[] a, int n) {
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

    /** The inverse of a lower-triangular matrix (lower-triangular). */
    static double[] invertLower(double[] l, int n) {
        double[] inv = new double[n * n];
        for (int j = 0; j < n; j++) {
            inv[j * n + j] = 1 / l[j * n + j];
            for (int i = j + 1; i < n; i++) {
                double s = 0;
                for (int k = j; k < i; k++) s += l[i * n + k] * inv[k * n + j];
                inv[i * n + j] = -s / l[i * n + i];
            }
        }
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
        // H⁻¹ = L⁻ᵀ L⁻¹
        double[] inv = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int k = i; k < n; k++) s += li[k * n + i] * li[k * n + j];
                inv[i * n + j] = s;
                inv[j * n + i] = s;
            }
        }
        double[] l2 = lower(inv, n);
        if (l2 == null) return null;
        double[] u = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j <= i; j++) u[j * n + i] = l2[i * n + j];
        return u;
    }
}
