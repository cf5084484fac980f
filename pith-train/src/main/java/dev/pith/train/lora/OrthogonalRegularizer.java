package dev.pith.train.lora;

import dev.pith.train.Param;

import java.util.List;

/**
 * AdaLoRA's orthogonality penalty as PEFT adds it to the loss:
 * R = w/N · Σ (‖QQᵀ − I‖_F over every Q, ‖PᵀP − I‖_F over every P), N the number of matrices,
 * plain (not squared) Frobenius norms. Its gradient: for Q (r × in) with C = QQᵀ,
 * ∂‖C − I‖/∂Q = 2(C − I)Q/‖C − I‖; for P (out × r) with C = PᵀP, 2P(C − I)/‖C − I‖.
 * The r × r products are formed in double; they are small next to the model.
 */
public final class OrthogonalRegularizer {
    private OrthogonalRegularizer() {}

    /** Adds w/N·∂R/∂· to the gradients of {@code qs} (rows orthonormal) and {@code ps} (columns orthonormal); returns R. */
    public static double addGradient(List<Param> qs, List<Param> ps, double weight) {
        int n = qs.size() + ps.size();
        if (n == 0) return 0;
        double c = weight / n, sum = 0;
        for (Param q : qs) sum += term(q, true, c);
        for (Param p : ps) sum += term(p, false, c);
        return c * sum;
    }

    /** ‖C − I‖_F of one matrix, adding c·its gradient (when the matrix has a gradient buffer). */
    static double term(Param m, boolean rows, double c) {
        int r = rows ? m.rows() : m.cols(), len = rows ? m.cols() : m.rows();
        double[] d = new double[r * r];
        // C_ij = <vector i, vector j>, where the vectors are rows (Q) or columns (P)
        for (int i = 0; i < r; i++)
            for (int j = i; j < r; j++) {
                double s = 0;
                for (int k = 0; k < len; k++) s += (double) at(m, rows, i, k) * at(m, rows, j, k);
                if (i == j) s -= 1;
                d[i * r + j] = s;
                d[j * r + i] = s;
            }
        double norm = 0;
        for (double v : d) norm += v * v;
        norm = Math.sqrt(norm);
        if (norm == 0 || m.g == null) return norm;
        double f = 2 * c / norm;
        // gradient of vector i: f · Σ_j D_ij · vector j (D symmetric)
        for (int i = 0; i < r; i++)
            for (int k = 0; k < len; k++) {
                double s = 0;
                for (int j = 0; j < r; j++) s += d[i * r + j] * at(m, rows, j, k);
                int idx = rows ? i * m.cols() + k : k * m.cols() + i;
                m.g[idx] += (float) (f * s);
            }
        return norm;
    }

    private static float at(Param m, boolean rows, int vector, int k) {
        return rows ? m.w[vector * m.cols() + k] : m.w[k * m.cols() + vector];
    }
}
