package dev.pith.compress.prune;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SparseGPT (Cholesky factor, lazy block updates, parallel rows) against the same algorithm written
 * plainly in double precision: explicit inverse Hessian, the OBS update of every later column after
 * each pruned column, and the inverse reduced column by column (H⁻¹ ← H⁻¹ − H⁻¹[:,j]H⁻¹[j,:]/H⁻¹_jj).
 */
class SparseGptTest {
    @Test
    void unstructuredMatchesPlainReference() {
        check(6, 300, Pattern.unstructured(0.5));   // 300 columns: three blocks, the last partial
        check(5, 130, Pattern.unstructured(0.3));
    }

    @Test
    void nmMatchesPlainReference() {
        check(4, 264, Pattern.parse("2:4"));
        check(4, 136, Pattern.parse("4:8"));
        check(3, 132, Pattern.parse("1:3"));
    }

    private static void check(int rows, int cols, Pattern p) {
        Random rnd = new Random(rows * 1000L + cols);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        // correlated inputs, one dead column (never active)
        int tokens = cols * 2;
        double[][] x = new double[tokens][cols];
        for (int t = 0; t < tokens; t++) {
            double common = rnd.nextGaussian();
            for (int j = 0; j < cols; j++) x[t][j] = j == 7 ? 0 : rnd.nextGaussian() + 0.5 * common * (j % 3);
        }
        double[] h = new double[cols * cols];
        for (double[] xt : x) for (int i = 0; i < cols; i++) for (int j = 0; j < cols; j++) h[i * cols + j] += xt[i] * xt[j];

        double[] expected = reference(w, rows, cols, h.clone(), p);
        float[] actual = w.clone();
        SparseGpt.prune(actual, rows, cols, h.clone(), p, "test");
        int zeros = 0;
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("weight %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(expected[i]))));
            assertThat(actual[i] == 0).as("mask at %d", i).isEqualTo(expected[i] == 0);
            if (actual[i] == 0) zeros++;
        }
        // dead column 7 is zeroed on top of the pattern only if the pattern did not already prune it
        assertThat(zeros).isGreaterThanOrEqualTo((int) Math.round(p.sparsity() * cols) * rows);
    }

    /** The algorithm as the paper states it, with nothing batched or factored. */
    private static double[] reference(float[] wf, int rows, int cols, double[] h, Pattern p) {
        double[][] w = new double[rows][cols];
        for (int r = 0; r < rows; r++) for (int j = 0; j < cols; j++) w[r][j] = wf[r * cols + j];
        double[][] hm = new double[cols][cols];
        for (int i = 0; i < cols; i++) for (int j = 0; j < cols; j++) hm[i][j] = h[i * cols + j];
        double mean = 0;
        for (int j = 0; j < cols; j++) {
            if (hm[j][j] == 0) {
                hm[j][j] = 1;
                for (int r = 0; r < rows; r++) w[r][j] = 0;
            }
            mean += hm[j][j];
        }
        for (int j = 0; j < cols; j++) hm[j][j] += 0.01 * mean / cols;
        double[][] hinv = invert(hm);
        // [H⁻¹]_jj at the step of column j (it does not depend on the weights): used for the block masks
        double[] diag = new double[cols];
        double[][] e = copy(hinv);
        for (int j = 0; j < cols; j++) {
            diag[j] = e[j][j];
            eliminate(e, j);
        }
        int block = p.nm() ? Math.max(p.m(), 128 / p.m() * p.m()) : 128;
        boolean[][] mask = new boolean[rows][cols];
        for (int i1 = 0; i1 < cols; i1 += block) {
            int i2 = Math.min(cols, i1 + block);
            for (int r = 0; r < rows; r++) {
                if (!p.nm()) choose(w[r], diag, i1, i2, p.prunedBetween(i1, i2), mask[r]);
            }
            for (int j = i1; j < i2; j++) {
                for (int r = 0; r < rows; r++) {
                    if (p.nm() && (j - i1) % p.m() == 0) choose(w[r], diag, j, j + p.m(), p.m() - p.n(), mask[r]);
                    if (!mask[r][j]) continue;
                    double err = w[r][j] / hinv[j][j];
                    for (int k = j + 1; k < cols; k++) w[r][k] -= err * hinv[j][k];
                    w[r][j] = 0;
                }
                eliminate(hinv, j);
            }
        }
        double[] out = new double[rows * cols];
        for (int r = 0; r < rows; r++) for (int j = 0; j < cols; j++) out[r * cols + j] = w[r][j];
        return out;
    }

    private static void choose(double[] row, double[] diag, int from, int to, int k, boolean[] mask) {
        for (int n = 0; n < k; n++) {
            int best = -1;
            for (int j = from; j < to; j++) {
                if (mask[j]) continue;
                if (best < 0 || row[j] * row[j] / diag[j] < row[best] * row[best] / diag[best]) best = j;
            }
            mask[best] = true;
        }
    }

    /** Removes column/row j from the inverse: what remains is the inverse Hessian of the later columns. */
    private static void eliminate(double[][] a, int j) {
        int n = a.length;
        double d = a[j][j];
        double[] col = new double[n], row = a[j].clone();
        for (int i = 0; i < n; i++) col[i] = a[i][j];
        for (int i = 0; i < n; i++) for (int k = 0; k < n; k++) a[i][k] -= col[i] * row[k] / d;
    }

    private static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
        return c;
    }

    /** Gauss-Jordan with partial pivoting. */
    private static double[][] invert(double[][] a0) {
        int n = a0.length;
        double[][] a = copy(a0), inv = new double[n][n];
        for (int i = 0; i < n; i++) inv[i][i] = 1;
        for (int c = 0; c < n; c++) {
            int piv = c;
            for (int r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
            double[] t = a[c]; a[c] = a[piv]; a[piv] = t;
            t = inv[c]; inv[c] = inv[piv]; inv[piv] = t;
            double d = a[c][c];
            for (int k = 0; k < n; k++) { a[c][k] /= d; inv[c][k] /= d; }
            for (int r = 0; r < n; r++) {
                if (r == c || a[r][c] == 0) continue;
                double f = a[r][c];
                for (int k = 0; k < n; k++) { a[r][k] -= f * a[c][k]; inv[r][k] -= f * inv[c][k]; }
            }
        }
        return inv;
    }
}
