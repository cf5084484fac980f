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
     * The inverse of a lower-triangular matrix (lower-triangular). Column j is a forward substitution
     * that depends only on itself, so columns run in parallel, four at a time: the four share each
     * read of row i of L and their four sums are independent chains (one chain was bound by the
     * latency of its additions). Each column is built in a contiguous scratch vector (reading it down
     * a column of the n × n result, stride n, is a cache miss per term at GPTQ's n = 8192). Every sum
     * is still 0 plus the terms k = j..i-1 in that order, so the result equals
     * {@link #invertLowerSequential} to the bit.
     */
    public static double[] invertLower(double[] l, int n) {
        double[] inv = new double[n * n];
        Parallel.forRange((n + 3) / 4, 1, (from, to) -> {
            double[][] cols = new double[4][n];
            for (int j = 4 * from; j < Math.min(n, 4 * to); j += 4) {
                if (j + 4 <= n) fourColumns(l, inv, n, j, cols);
                else for (int c = j; c < n; c++) oneColumn(l, inv, n, c, cols[0]);
            }
        });
        return inv;
    }

    /** Column j of L⁻¹ into {@code inv} (and {@code col}), the sums in the order of {@link #invertLowerSequential}. */
    private static void oneColumn(double[] l, double[] inv, int n, int j, double[] col) {
        col[j] = 1 / l[j * n + j];
        inv[j * n + j] = col[j];
        for (int i = j + 1; i < n; i++) {
            double s = 0;
            for (int k = j; k < i; k++) s += l[i * n + k] * col[k];
            col[i] = -s / l[i * n + i];
            inv[i * n + j] = col[i];
        }
    }

    /** Columns j..j+3 of L⁻¹: rows up to j+3 one column at a time, then all four chains share row i's reads. */
    private static void fourColumns(double[] l, double[] inv, int n, int j, double[][] cols) {
        double[] c0 = cols[0], c1 = cols[1], c2 = cols[2], c3 = cols[3];
        // the 4 × 4 triangle at the top: each column's first rows, exactly as oneColumn computes them
        for (int c = 0; c < 4; c++) {
            double[] col = cols[c];
            int jc = j + c;
            col[jc] = 1 / l[jc * n + jc];
            inv[jc * n + jc] = col[jc];
            for (int i = jc + 1; i < j + 4; i++) {
                double s = 0;
                for (int k = jc; k < i; k++) s += l[i * n + k] * col[k];
                col[i] = -s / l[i * n + i];
                inv[i * n + jc] = col[i];
            }
        }
        for (int i = j + 4; i < n; i++) {
            int ri = i * n;
            // chain c starts at k = j + c: the first terms of the later columns join one by one
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            s0 += l[ri + j] * c0[j];
            s0 += l[ri + j + 1] * c0[j + 1];
            s1 += l[ri + j + 1] * c1[j + 1];
            s0 += l[ri + j + 2] * c0[j + 2];
            s1 += l[ri + j + 2] * c1[j + 2];
            s2 += l[ri + j + 2] * c2[j + 2];
            for (int k = j + 3; k < i; k++) {
                double lik = l[ri + k];
                s0 += lik * c0[k];
                s1 += lik * c1[k];
                s2 += lik * c2[k];
                s3 += lik * c3[k];
            }
            double d = l[ri + i];
            c0[i] = -s0 / d;
            c1[i] = -s1 / d;
            c2[i] = -s2 / d;
            c3[i] = -s3 / d;
            inv[ri + j] = c0[i];
            inv[ri + j + 1] = c1[i];
            inv[ri + j + 2] = c2[i];
            inv[ri + j + 3] = c3[i];
        }
    }

    /** The plain one-thread inverse {@link #invertLower} must equal bit for bit (its scalar twin). */
    static double[] invertLowerSequential(double[] l, int n) {
        double[] inv = new double[n * n];
        double[] col = new double[n];
        for (int j = 0; j < n; j++) oneColumn(l, inv, n, j, col);
        return inv;
    }

    /**
     * L⁻ᵀL⁻¹ (= H⁻¹ when L is H's factor) from {@code lt}, the inverse's transpose (row i = column i
     * of L⁻¹, zero before k = i): entry (i, j ≤ i) is 0 plus lt[i][k]·lt[j][k] for k = i..n-1 in that
     * order. Groups of four rows i run in parallel; within a group, tiles of four rows j are done
     * together, 16 independent chains that read each row of the tile once for four rows i (one
     * chain per entry re-read the whole triangle from memory for every i: n³/6 doubles at n = 8192).
     * Every chain keeps its own order, so the result equals {@link #inverseProductSequential} to the bit.
     */
    static double[] inverseProduct(double[] lt, int n) {
        double[] inv = new double[n * n];
        Parallel.forRange((n + 3) / 4, 1, (from, to) -> {
            double[] acc = new double[16];
            for (int g = from; g < to; g++) {
                int i0 = 4 * g, j = 0;
                if (i0 + 4 <= n) for (; j + 4 <= i0; j += 4) tile(lt, inv, n, i0, j, acc);
                for (int i = i0; i < Math.min(n, i0 + 4); i++) for (int jj = j; jj <= i; jj++) inv[i * n + jj] = productEntry(lt, n, i, jj);
            }
        });
        mirror(inv, n);
        return inv;
    }

    /** Entries (i0..i0+3, j0..j0+3), j0 + 3 < i0: chain (i0+a, ·) starts at k = i0 + a, so the first three k join row by row. */
    private static void tile(double[] lt, double[] inv, int n, int i0, int j0, double[] acc) {
        java.util.Arrays.fill(acc, 0);
        for (int k = i0; k < i0 + 3; k++) {
            for (int a = 0; a <= k - i0; a++) {
                double x = lt[(i0 + a) * n + k];
                for (int b = 0; b < 4; b++) acc[4 * a + b] += x * lt[(j0 + b) * n + k];
            }
        }
        int a0 = i0 * n, a1 = a0 + n, a2 = a1 + n, a3 = a2 + n;
        int b0 = j0 * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
        double s00 = acc[0], s01 = acc[1], s02 = acc[2], s03 = acc[3];
        double s10 = acc[4], s11 = acc[5], s12 = acc[6], s13 = acc[7];
        double s20 = acc[8], s21 = acc[9], s22 = acc[10], s23 = acc[11];
        double s30 = acc[12], s31 = acc[13], s32 = acc[14], s33 = acc[15];
        for (int k = i0 + 3; k < n; k++) {
            double y0 = lt[b0 + k], y1 = lt[b1 + k], y2 = lt[b2 + k], y3 = lt[b3 + k];
            double x0 = lt[a0 + k], x1 = lt[a1 + k], x2 = lt[a2 + k], x3 = lt[a3 + k];
            s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
            s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
            s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
            s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
        }
        inv[a0 + j0] = s00; inv[a0 + j0 + 1] = s01; inv[a0 + j0 + 2] = s02; inv[a0 + j0 + 3] = s03;
        inv[a1 + j0] = s10; inv[a1 + j0 + 1] = s11; inv[a1 + j0 + 2] = s12; inv[a1 + j0 + 3] = s13;
        inv[a2 + j0] = s20; inv[a2 + j0 + 1] = s21; inv[a2 + j0 + 2] = s22; inv[a2 + j0 + 3] = s23;
        inv[a3 + j0] = s30; inv[a3 + j0 + 1] = s31; inv[a3 + j0 + 2] = s32; inv[a3 + j0 + 3] = s33;
    }

    private static double productEntry(double[] lt, int n, int i, int j) {
        double s = 0;
        for (int k = i; k < n; k++) s += lt[i * n + k] * lt[j * n + k];
        return s;
    }

    /** Copies the lower triangle onto the upper one. */
    private static void mirror(double[] a, int n) {
        for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
    }

    /** The one-thread, one-chain product {@link #inverseProduct} must equal bit for bit. */
    static double[] inverseProductSequential(double[] lt, int n) {
        double[] inv = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j <= i; j++) inv[i * n + j] = productEntry(lt, n, i, j);
        mirror(inv, n);
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
        // made rows first (contiguous reads, same order of terms)
        double[] lt = new double[n * n];
        for (int k = 0; k < n; k++) for (int i = 0; i <= k; i++) lt[i * n + k] = li[k * n + i];
        double[] inv = inverseProduct(lt, n);
        double[] l2 = lower(inv, n);
        if (l2 == null) return null;
        double[] u = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j <= i; j++) u[j * n + i] = l2[i * n + j];
        return u;
    }
}
