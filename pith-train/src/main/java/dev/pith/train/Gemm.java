package dev.pith.train;

import dev.pith.core.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The three float32 matrix products training needs, on row-major arrays, vectorised with
 * {@code jdk.incubator.vector} and split over rows of C with {@link Parallel}:
 * <ul>
 *   <li>{@link #nn}: C[m×n] (+)= A[m×k] · B[k×n] (input gradient: dX = dY · W)</li>
 *   <li>{@link #tn}: C[m×n] (+)= A[k×m]ᵀ · B[k×n] (weight gradient: dW = dYᵀ · X)</li>
 *   <li>{@link #nt}: C[m×n] (+)= A[m×k] · B[n×k]ᵀ (forward: Y = X · Wᵀ)</li>
 * </ul>
 * One register-tiled kernel does all three: 4 rows of C × 2 vectors of columns held in registers
 * while k runs, A broadcast element by element, B streamed a row at a time. NT first transposes B
 * (n·k work against m·n·k for the product), so the same kernel serves it. {@link GemmScalar} is the
 * plain twin the tests compare against.
 */
public final class Gemm {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final int ROWS = 4;
    /** Below this many multiply-adds a product runs on the calling thread: a fork costs more. */
    private static final long PARALLEL_THRESHOLD = 1 << 15;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    private Gemm() {}

    /** C[m×n] = (or += when accumulate) A[m×k] · B[k×n]. */
    public static void nn(float[] a, float[] b, float[] c, int m, int n, int k, boolean accumulate) {
        run(a, k, 1, b, c, m, n, k, accumulate);
    }

    /** C[m×n] = (or +=) A[k×m]ᵀ · B[k×n]. */
    public static void tn(float[] a, float[] b, float[] c, int m, int n, int k, boolean accumulate) {
        run(a, 1, m, b, c, m, n, k, accumulate);
    }

    /** C[m×n] = (or +=) A[m×k] · B[n×k]ᵀ. */
    public static void nt(float[] a, float[] b, float[] c, int m, int n, int k, boolean accumulate) {
        float[] bt = scratch(n * k);
        transpose(b, bt, n, k);
        run(a, k, 1, bt, c, m, n, k, accumulate);
    }

    private static float[] scratch(int size) {
        float[] s = SCRATCH.get();
        if (s.length < size) {
            s = new float[size];
            SCRATCH.set(s);
        }
        return s;
    }

    /** dst[k×n] = src[n×k]ᵀ, in cache-sized tiles. */
    static void transpose(float[] src, float[] dst, int n, int k) {
        final int T = 32;
        Parallel.forRange((n + T - 1) / T, Math.max(1, 4096 / Math.max(1, k)), (from, to) -> {
            for (int ib = from * T; ib < Math.min(n, to * T); ib += T) {
                int ie = Math.min(n, ib + T);
                for (int jb = 0; jb < k; jb += T) {
                    int je = Math.min(k, jb + T);
                    for (int i = ib; i < ie; i++)
                        for (int j = jb; j < je; j++) dst[j * n + i] = src[i * k + j];
                }
            }
        });
    }

    /** A(i, p) = a[i·ars + p·aps]; B(p, j) = b[p·n + j]. */
    private static void run(float[] a, int ars, int aps, float[] b, float[] c, int m, int n, int k, boolean acc) {
        int blocks = (m + ROWS - 1) / ROWS;
        Parallel.RangeBody body = (from, to) -> rowBlocks(a, ars, aps, b, c, m, n, k, acc, from * ROWS, Math.min(m, to * ROWS));
        if ((long) m * n * k < PARALLEL_THRESHOLD) body.run(0, blocks);
        else Parallel.forRange(blocks, 1, body);
    }

    private static void rowBlocks(float[] a, int ars, int aps, float[] b, float[] c, int m, int n, int k, boolean acc, int i0, int i1) {
        int w = 2 * L;
        int j = 0;
        // Column chunks outermost: a chunk of B (k × 2L floats) stays in cache across row blocks.
        for (; j + w <= n; j += w) {
            int i = i0;
            for (; i + ROWS <= i1; i += ROWS) tile4(a, ars, aps, b, c, n, k, acc, i, j);
            for (; i < i1; i++) tile1(a, ars, aps, b, c, n, k, acc, i, j);
        }
        if (j < n) {
            for (int i = i0; i < i1; i++) tail(a, ars, aps, b, c, n, k, acc, i, j);
        }
    }

    private static void tile4(float[] a, int ars, int aps, float[] b, float[] c, int n, int k, boolean acc, int i, int j) {
        int c0 = i * n + j, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
        FloatVector s00, s01, s10, s11, s20, s21, s30, s31;
        if (acc) {
            s00 = FloatVector.fromArray(F, c, c0); s01 = FloatVector.fromArray(F, c, c0 + L);
            s10 = FloatVector.fromArray(F, c, c1); s11 = FloatVector.fromArray(F, c, c1 + L);
            s20 = FloatVector.fromArray(F, c, c2); s21 = FloatVector.fromArray(F, c, c2 + L);
            s30 = FloatVector.fromArray(F, c, c3); s31 = FloatVector.fromArray(F, c, c3 + L);
        } else {
            s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = FloatVector.zero(F);
        }
        int a0 = i * ars, a1 = a0 + ars, a2 = a1 + ars, a3 = a2 + ars;
        for (int p = 0; p < k; p++) {
            int bo = p * n + j;
            FloatVector b0 = FloatVector.fromArray(F, b, bo);
            FloatVector b1 = FloatVector.fromArray(F, b, bo + L);
            int ap = p * aps;
            FloatVector x = FloatVector.broadcast(F, a[a0 + ap]);
            s00 = x.fma(b0, s00); s01 = x.fma(b1, s01);
            x = FloatVector.broadcast(F, a[a1 + ap]);
            s10 = x.fma(b0, s10); s11 = x.fma(b1, s11);
            x = FloatVector.broadcast(F, a[a2 + ap]);
            s20 = x.fma(b0, s20); s21 = x.fma(b1, s21);
            x = FloatVector.broadcast(F, a[a3 + ap]);
            s30 = x.fma(b0, s30); s31 = x.fma(b1, s31);
        }
        s00.intoArray(c, c0); s01.intoArray(c, c0 + L);
        s10.intoArray(c, c1); s11.intoArray(c, c1 + L);
        s20.intoArray(c, c2); s21.intoArray(c, c2 + L);
        s30.intoArray(c, c3); s31.intoArray(c, c3 + L);
    }

    private static void tile1(float[] a, int ars, int aps, float[] b, float[] c, int n, int k, boolean acc, int i, int j) {
        int c0 = i * n + j;
        FloatVector s0 = acc ? FloatVector.fromArray(F, c, c0) : FloatVector.zero(F);
        FloatVector s1 = acc ? FloatVector.fromArray(F, c, c0 + L) : FloatVector.zero(F);
        int a0 = i * ars;
        for (int p = 0; p < k; p++) {
            int bo = p * n + j;
            FloatVector x = FloatVector.broadcast(F, a[a0 + p * aps]);
            s0 = x.fma(FloatVector.fromArray(F, b, bo), s0);
            s1 = x.fma(FloatVector.fromArray(F, b, bo + L), s1);
        }
        s0.intoArray(c, c0);
        s1.intoArray(c, c0 + L);
    }

    /** Columns j .. n of row i (fewer than 2L), one FMA per element as the vector lanes do. */
    private static void tail(float[] a, int ars, int aps, float[] b, float[] c, int n, int k, boolean acc, int i, int j0) {
        int a0 = i * ars;
        for (int j = j0; j < n; j++) {
            float s = acc ? c[i * n + j] : 0f;
            for (int p = 0; p < k; p++) s = Math.fma(a[a0 + p * aps], b[p * n + j], s);
            c[i * n + j] = s;
        }
    }
}
