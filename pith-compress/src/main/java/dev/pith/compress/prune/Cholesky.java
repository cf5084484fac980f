package dev.pith.compress.prune;

import dev.pith.core.PithException;

/** Dense Cholesky factorisation and inverse of a symmetric positive definite matrix, in double, row-major. */
final class Cholesky {
    private Cholesky() {}

    /** Lower-triangular L with a = L Lᵀ (a is n × n, left unchanged). */
    static double[] lower(double[] a, int n) {
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
                if (i == j) {
                    if (!(s > 0)) throw new PithException("the calibration Hessian is not positive definite; use more calibration text or more dampening.");
                    l[i * n + i] = Math.sqrt(s);
                } else {
                    l[i * n + j] = s / l[j * n + j];
                }
            }
        }
        return l;
    }

    /** a⁻¹ through its Cholesky factor: a⁻¹ = L⁻ᵀ L⁻¹. */
    static double[] inverse(double[] a, int n) {
        double[] l = lower(a, n);
        double[] li = new double[n * n]; // L⁻¹, lower triangular, by forward substitution per column
        for (int c = 0; c < n; c++) {
            li[c * n + c] = 1 / l[c * n + c];
            for (int i = c + 1; i < n; i++) {
                double s = 0;
                for (int k = c; k < i; k++) s -= l[i * n + k] * li[k * n + c];
                li[i * n + c] = s / l[i * n + i];
            }
        }
        double[] inv = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int k = i; k < n; k++) s += li[k * n + i] * li[k * n + j];
                inv[i * n + j] = s;
                inv[j * n + i] = s;
            }
        }
        return inv;
    }

    /** Upper-triangular U with a = Uᵀ U (the transpose of the lower factor). */
    static double[] upper(double[] a, int n) {
        double[] l = lower(a, n);
        double[] u = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++) u[j * n + i] = l[i * n + j];
        return u;
    }
}
