package dev.pith.train;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The vectorised GEMM agrees with its scalar twin on every shape class (tiles, row and column tails), with and without accumulation. */
class GemmTest {
    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    private interface Product { void run(float[] a, float[] b, float[] c, int m, int n, int k, boolean acc); }

    private static void compare(Product vec, Product scalar, int m, int n, int k, boolean acc, long seed) {
        Random r = new Random(seed);
        float[] a = random(r, m * k), b = random(r, k * n), c0 = random(r, m * n);
        float[] c1 = c0.clone(), c2 = c0.clone();
        vec.run(a, b, c1, m, n, k, acc);
        scalar.run(a, b, c2, m, n, k, acc);
        for (int i = 0; i < m * n; i++) {
            // Sums of k products of unit normals: rounding grows like sqrt(k)·eps·|terms|.
            assertThat((double) c1[i]).as("m=%d n=%d k=%d acc=%s at %d", m, n, k, acc, i)
                    .isCloseTo(c2[i], org.assertj.core.data.Offset.offset(1e-5 * (k + 1)));
        }
        if (!acc) {
            // plain products of exact small integers must agree exactly
            float[] ai = new float[m * k], bi = new float[k * n];
            for (int i = 0; i < ai.length; i++) ai[i] = r.nextInt(5) - 2;
            for (int i = 0; i < bi.length; i++) bi[i] = r.nextInt(5) - 2;
            float[] d1 = new float[m * n], d2 = new float[m * n];
            vec.run(ai, bi, d1, m, n, k, false);
            scalar.run(ai, bi, d2, m, n, k, false);
            assertThat(d1).containsExactly(d2);
        }
    }

    @Test
    void allThreeProductsMatchTheScalarTwin() {
        int[][] shapes = {{1, 1, 1}, {4, 32, 8}, {5, 33, 7}, {7, 65, 130}, {64, 96, 48}, {3, 17, 300}, {130, 70, 64}, {256, 256, 64},
                // past every cache block: rows > MC, columns > NC, shared dimension > KC (two and three k blocks)
                {131, 530, 300}, {9, 33, 513}, {17, 1, 257}};
        long seed = 1;
        for (int[] s : shapes) {
            for (boolean acc : new boolean[] {false, true}) {
                compare(Gemm::nn, GemmScalar::nn, s[0], s[1], s[2], acc, seed++);
                compare(Gemm::tn, GemmScalar::tn, s[0], s[1], s[2], acc, seed++);
                compare(Gemm::nt, GemmScalar::nt, s[0], s[1], s[2], acc, seed++);
            }
        }
    }
    /** The strided-view entry attention uses (one head's slice of interleaved rows) equals the scalar twin on gathered copies. */
    @Test
    void stridedViewsMatchTheScalarTwinOnGatheredCopies() {
        Random r = new Random(7);
        int m = 37, n = 29, k = 19, lda = 50, ldb = 41, ldc = 33, aOff = 5, bOff = 3, cOff = 2;
        float[] a = random(r, aOff + m * lda), b = random(r, bOff + n * ldb), c = random(r, cOff + m * ldc);
        float[] before = c.clone();
        // A(i,p) = a[aOff + i*lda + p]; B(p,j) = b[bOff + j*ldb + p] (a transposed view); C(i,j) = c[cOff + i*ldc + j]
        Gemm.gemm(a, aOff, lda, 1, b, bOff, 1, ldb, c, cOff, ldc, m, n, k, true, false);
        float[] ag = new float[m * k], bg = new float[n * k], cg = new float[m * n];
        for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) ag[i * k + p] = a[aOff + i * lda + p];
        for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) bg[j * k + p] = b[bOff + j * ldb + p];
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) cg[i * n + j] = before[cOff + i * ldc + j];
        GemmScalar.nt(ag, bg, cg, m, n, k, true);
        for (int i = 0; i < c.length; i++) {
            int row = (i - cOff) / ldc, col = (i - cOff) % ldc;
            boolean inside = i >= cOff && row < m && col < n;
            if (inside) assertThat((double) c[i]).isCloseTo(cg[row * n + col], org.assertj.core.data.Offset.offset(1e-4));
            else assertThat(c[i]).as("untouched outside the view at %d", i).isEqualTo(before[i]);
        }
    }
}
