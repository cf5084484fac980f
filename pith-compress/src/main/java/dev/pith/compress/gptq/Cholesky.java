package dev.pith.compress.gptq;

import dev.pith.core.Parallel;

/** The dense linear algebra GPTQ and SparseGPT need, on small row-major double matrices. */
public final class Cholesky {
    private Cholesky() {}

    /** Columns per step of {@link #lower}: one pool dispatch per block, rows below it split across threads. */
    static final int BLOCK = 64;

    /**
     * Lower-triangular L with A = LLᵀ, or null when A is not (numerically) positive definite.
     * Left-looking by blocks of {@link #BLOCK} columns: the block's own rows are done in order on the
     * calling thread, then every row below the block (which needs only its own earlier entries and
     * the block's finished rows) runs in parallel. Each entry is a[i][j] minus the terms k = 0..j-1
     * subtracted one by one in that order, then the division or square root, exactly as in
     * {@link #lowerSequential}, so the result is the same to the bit. The sums are not vectorised:
     * lanes would reorder the subtractions; instead four rows run together (four independent chains).
     */
    public static double[] lower(double[] a, int n) {
        double[] l = new double[n * n];
        for (int j0 = 0; j0 < n; j0 += BLOCK) {
            int j1 = Math.min(n, j0 + BLOCK);
            for (int i = j0; i < j1; i++) if (!rowFrom(a, l, n, i, j0)) return null;
            int first = j1, below = n - j1, from0 = j0, to0 = j1;
            Parallel.forRange((below + 3) / 4, 4, (from, to) -> {
                int end = Math.min(n, first + 4 * to);
                int i = first + 4 * from;
                for (; i + 4 <= end; i += 4) fourRows(a, l, n, i, from0, to0);
                for (; i < end; i++) oneRow(a, l, n, i, from0, to0);
            });
        }
        return l;
    }

    /** Entries j0..j1-1 of row i (below the block), each sum in the order of {@link #lowerSequential}. */
    private static void oneRow(double[] a, double[] l, int n, int i, int j0, int j1) {
        for (int j = j0; j < j1; j++) {
            double s = a[i * n + j];
            for (int k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
            l[i * n + j] = s / l[j * n + j];
        }
    }

    /** {@link #oneRow} for rows i..i+3 at once: four independent chains share each read of row j. */
    private static void fourRows(double[] a, double[] l, int n, int i, int j0, int j1) {
        int r0 = i * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
        for (int j = j0; j < j1; j++) {
            int rj = j * n;
            double s0 = a[r0 + j], s1 = a[r1 + j], s2 = a[r2 + j], s3 = a[r3 + j];
            for (int k = 0; k < j; k++) {
                double ljk = l[rj + k];
                s0 -= l[r0 + k] * ljk;
                s1 -= l[r1 + k] * ljk;
                s2 -= l[r2 + k] * ljk;
                s3 -= l[r3 + k] * ljk;
            }
            double d = l[rj + j];
            l[r0 + j] = s0 / d;
            l[r1 + j] = s1 / d;
            l[r2 + j] = s2 / d;
            l[r3 + j] = s3 / d;
        }
    }

    /** The plain one-thread factorization {@link #lower} must equal bit for bit (its scalar twin). */
    static double[] lowerSequential(double[] a, int n) {
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) if (!rowFrom(a, l, n, i, 0)) return null;
        return l;
    }

    /** Entries j0..i of row i (its diagonal last); false when the pivot is not positive. */
    private static boolean rowFrom(double[] a, double[] l, int n, int i, int j0) {
        for (int j = j0; j <= i; j++) {
            double s = a[i * n + j];
            for (int k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
            if (i == j) {
                if (!(s > 0)) return false;
                l[i * n + i] = Math.sqrt(s);
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
        return true;
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
