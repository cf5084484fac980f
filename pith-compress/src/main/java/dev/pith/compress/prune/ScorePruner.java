package dev.pith.compress.prune;

import dev.pith.core.Parallel;

/**
 * Magnitude and Wanda pruning: score every weight, zero the lowest per row (or per N:M group), no
 * update of the rest. Magnitude scores |W_ij|; Wanda (Sun et al. 2023) scores |W_ij|·‖X_j‖₂, the
 * weight times the L2 norm of its input feature over the calibration tokens.
 */
public final class ScorePruner {
    private ScorePruner() {}

    /**
     * Prunes {@code w} (rows × cols, row-major) in place. {@code columnSquares} is Σ x_j² per input
     * column (Wanda), or null for magnitude.
     */
    public static void prune(float[] w, int rows, int cols, double[] columnSquares, Pattern p) {
        Parallel.forRange(rows, 4, (a, b) -> {
            double[] score = new double[cols];
            for (int r = a; r < b; r++) {
                int off = r * cols;
                for (int j = 0; j < cols; j++)
                    score[j] = Math.abs(w[off + j]) * (columnSquares == null ? 1.0 : Math.sqrt(columnSquares[j]));
                boolean[] mask = Masks.row(score, p);
                for (int j = 0; j < cols; j++) if (mask[j]) w[off + j] = 0f;
            }
        });
    }
}
