package dev.pith.compress.prune;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SparseGPT's Cholesky-based, block-lazy update against the closed-form OBS update written out
 * directly: for each column i in order, a pruned weight w_i moves the not-yet-visited weights by
 * −w_i / [H_F⁻¹]_ii · H_F⁻¹[i, :], where H_F⁻¹ is the explicit inverse of H restricted to columns i..end.
 */
class SparseGptTest {
    static final int ROWS = 6, COLS = 16;

    @Test
    void unstructuredUpdateEqualsExplicitObs() {
        check(Sparsity.unstructured(0.5), 4);
        check(Sparsity.unstructured(0.3), 5);
    }

    @Test
    void nmUpdateEqualsExplicitObs() {
        check(Sparsity.pattern("2:4"), 8);
        check(Sparsity.pattern("1:4"), 4);
    }

    private static void check(Sparsity s, int block) {
        Random rnd = new Random(7);
        double[] x = new double[40 * COLS];
        for (int i = 0; i < x.length; i++) x[i] = rnd.nextGaussian() + (i % COLS == 3 ? 2 : 0);
        double[] xtx = new double[COLS * COLS];
        for (int t = 0; t < 40; t++)
            for (int i = 0; i < COLS; i++)
                for (int j = 0; j < COLS; j++) xtx[i * COLS + j] += x[t * COLS + i] * x[t * COLS + j];
        double[] w0 = new double[ROWS * COLS];
        for (int i = 0; i < w0.length; i++) w0[i] = rnd.nextGaussian();
        double[] w = w0.clone();
        double[] h = SparseGpt.prepareHessian(xtx, w, ROWS, COLS, SparseGpt.DAMP);
        boolean[] mask = SparseGpt.prune(w, ROWS, COLS, h, s, block);

        double[] ref = w0.clone();
        for (int r = 0; r < ROWS; r++) obsReference(ref, r, h, mask);
        for (int i = 0; i < w.length; i++) assertThat(w[i]).as("weight %d", i).isCloseTo(ref[i], org.assertj.core.data.Offset.offset(1e-9));
        for (int i = 0; i < w.length; i++) if (mask[i]) assertThat(w[i]).isZero();
        long pruned = 0;
        for (boolean b : mask) if (b) pruned++;
        assertThat(pruned).isGreaterThan(0);
        if (!s.isPattern()) assertThat(pruned).isEqualTo(expectedUnstructured(s, block));
        // The reconstruction must do better than zeroing alone on the layer's own error ‖(W − Ŵ) X‖.
        double[] zeroed = w0.clone();
        for (int i = 0; i < zeroed.length; i++) if (mask[i]) zeroed[i] = 0;
        assertThat(error(w0, w, xtx)).isLessThan(error(w0, zeroed, xtx));
    }

    /** Every column block prunes round(fraction × rows × width) of its weights. */
    private static long expectedUnstructured(Sparsity s, int block) {
        long n = 0;
        for (int i1 = 0; i1 < COLS; i1 += block) n += s.prunedOf(ROWS * Math.min(block, COLS - i1));
        return n;
    }

    private static void obsReference(double[] w, int r, double[] h, boolean[] mask) {
        for (int i = 0; i < COLS; i++) {
            if (!mask[r * COLS + i]) continue;
            int f = COLS - i;
            double[] sub = new double[f * f];
            for (int a = 0; a < f; a++)
                for (int b = 0; b < f; b++) sub[a * f + b] = h[(i + a) * COLS + i + b];
            double[] inv = gaussJordanInverse(sub, f);
            double scale = w[r * COLS + i] / inv[0];
            for (int b = 0; b < f; b++) w[r * COLS + i + b] -= scale * inv[b];
        }
    }

    /** Plain Gauss–Jordan with partial pivoting: independent of the Cholesky code under test. */
    static double[] gaussJordanInverse(double[] a, int n) {
        double[] m = a.clone(), inv = new double[n * n];
        for (int i = 0; i < n; i++) inv[i * n + i] = 1;
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[p * n + c])) p = r;
            swapRows(m, n, c, p);
            swapRows(inv, n, c, p);
            double d = m[c * n + c];
            for (int j = 0; j < n; j++) { m[c * n + j] /= d; inv[c * n + j] /= d; }
            for (int r = 0; r < n; r++) {
                if (r == c) continue;
                double f = m[r * n + c];
                for (int j = 0; j < n; j++) { m[r * n + j] -= f * m[c * n + j]; inv[r * n + j] -= f * inv[c * n + j]; }
            }
        }
        return inv;
    }

    private static void swapRows(double[] m, int n, int a, int b) {
        for (int j = 0; j < n; j++) { double t = m[a * n + j]; m[a * n + j] = m[b * n + j]; m[b * n + j] = t; }
    }

    /** Σ_rows (w0 − w)ᵀ XᵀX (w0 − w). */
    private static double error(double[] w0, double[] w, double[] xtx) {
        double e = 0;
        for (int r = 0; r < ROWS; r++)
            for (int i = 0; i < COLS; i++)
                for (int j = 0; j < COLS; j++)
                    e += (w0[r * COLS + i] - w[r * COLS + i]) * xtx[i * COLS + j] * (w0[r * COLS + j] - w[r * COLS + j]);
        return e;
    }

    @Test
    void choleskyInverseMatchesGaussJordan() {
        Random rnd = new Random(3);
        int n = 9;
        double[] a = new double[n * n];
        for (int k = 0; k < 20; k++) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = rnd.nextGaussian();
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) a[i * n + j] += v[i] * v[j];
        }
        double[] inv = Cholesky.inverse(a, n), ref = gaussJordanInverse(a, n);
        for (int i = 0; i < n * n; i++) assertThat(inv[i]).isCloseTo(ref[i], org.assertj.core.data.Offset.offset(1e-9));
        double[] u = Cholesky.upper(inv, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) s += u[k * n + i] * u[k * n + j];
                assertThat(s).isCloseTo(inv[i * n + j], org.assertj.core.data.Offset.offset(1e-9));
            }
    }
}
