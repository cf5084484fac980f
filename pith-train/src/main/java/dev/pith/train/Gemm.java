package dev.pith.train;

import dev.pith.core.Parallel;
import dev.pith.core.kernel.MicroKernel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The three float32 matrix products training needs, on row-major arrays, vectorised with
 * {@code jdk.incubator.vector}:
 * <ul>
 *   <li>{@link #nn}: C[m×n] (+)= A[m×k] · B[k×n] (input gradient: dX = dY · W)</li>
 *   <li>{@link #tn}: C[m×n] (+)= A[k×m]ᵀ · B[k×n] (weight gradient: dW = dYᵀ · X)</li>
 *   <li>{@link #nt}: C[m×n] (+)= A[m×k] · B[n×k]ᵀ (forward: Y = X · Wᵀ)</li>
 * </ul>
 * All three are one blocked product on strided views (the layout of each form is only a pair of
 * strides), organised the way GotoBLAS/BLIS do it because the micro-kernel can then read nothing
 * but contiguous memory: for each block of KC steps of the shared dimension, a block of B
 * (KC × up to NC columns) is copied into panels NR columns wide, p-major, and a block of A
 * (up to MC rows × KC) into panels MR rows tall, p-major; the micro-kernel keeps an MR × NR tile
 * of C in registers (8 rows × 2 vectors: 16 accumulators, enough independent FMAs to cover the
 * FMA latency on two ports) while it streams one A panel and one B panel. A B panel
 * (KC·NR floats) stays in L1 while every A panel of the block passes through it from L2. Pack
 * buffers are per thread and reused: a call allocates nothing.
 *
 * <p>Work is split over (band of rows, column block) pairs of C; every element of C is computed by
 * one task, in the same order whatever the thread count, so results are deterministic (training
 * with activation recomputation relies on that). Edges that are not multiples of the tile are
 * zero-padded in the packs and go through a small scratch tile. {@link GemmScalar} is the plain
 * twin the tests compare against.
 */
public final class Gemm {
    private static final VectorSpecies<Float> F = MicroKernel.F;
    /** Vectors as wide as one A panel column (MR floats): packing A moves a whole column per operation. */
    private static final VectorSpecies<Float> FA = FloatVector.SPECIES_256;
    private static final int L = F.length();
    /** Register tile: MR rows × NR columns (two vectors). */
    static final int MR = MicroKernel.MR, NR = MicroKernel.NR;
    /** Cache blocks: KC steps of the shared dimension, up to MC rows of A and NC columns of B. */
    static final int KC = 256, MC = 128, NC = 512;
    /** Below this many multiply-adds a product runs on the calling thread: a fork costs more. */
    private static final long PARALLEL_THRESHOLD = 1 << 15;

    /** One thread's pack buffers and edge tile, reused by every call on that thread. */
    private static final class Packs {
        final float[] a = new float[MC * KC];
        final float[] b = new float[KC * NC];
        final float[] tile = new float[MR * NR];
    }

    private static final ThreadLocal<Packs> PACKS = ThreadLocal.withInitial(Packs::new);

    private Gemm() {}

    /** C[m×n] = (or += when accumulate) A[m×k] · B[k×n]. */
    public static void nn(float[] a, float[] b, float[] c, int m, int n, int k, boolean accumulate) {
        gemm(a, 0, k, 1, b, 0, n, 1, c, 0, n, m, n, k, accumulate, true);
    }

    /** C[m×n] = (or +=) A[k×m]ᵀ · B[k×n]. */
    public static void tn(float[] a, float[] b, float[] c, int m, int n, int k, boolean accumulate) {
        gemm(a, 0, 1, m, b, 0, n, 1, c, 0, n, m, n, k, accumulate, true);
    }

    /** C[m×n] = (or +=) A[m×k] · B[n×k]ᵀ. */
    public static void nt(float[] a, float[] b, float[] c, int m, int n, int k, boolean accumulate) {
        gemm(a, 0, k, 1, b, 0, 1, k, c, 0, n, m, n, k, accumulate, true);
    }

    /**
     * The general product on strided views: A(i, p) = a[aOff + i·ars + p·aps],
     * B(p, j) = b[bOff + p·brs + j·bcs], C(i, j) = c[cOff + i·ldc + j]. With {@code parallel}
     * false it runs on the calling thread (for callers that already split work over threads, such
     * as attention's per-head products).
     */
    static void gemm(float[] a, int aOff, int ars, int aps, float[] b, int bOff, int brs, int bcs,
                     float[] c, int cOff, int ldc, int m, int n, int k, boolean acc, boolean parallel) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0) {
            if (!acc) for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            return;
        }
        int nBlocks = (n + NC - 1) / NC;
        // on a batch-parallel share thread the product stays on it (the threads already split the batch)
        boolean fork = parallel && Parallel.threads() > 1 && (long) m * n * k >= PARALLEL_THRESHOLD && !ShareThreads.onShareThread();
        // A task is one column block × a band of rows: it packs its B block once per k block and
        // reuses it for every row block of the band (packing B per row block cost a quarter of the
        // time on the 4096-wide head). Enough bands for every thread, twice over for balance.
        int bands = 1;
        if (fork) bands = Math.max(1, Math.min((m + MR - 1) / MR, (2 * Parallel.threads() + nBlocks - 1) / nBlocks));
        int bandRows = ((m + bands - 1) / bands + MR - 1) / MR * MR;
        int bandCount = (m + bandRows - 1) / bandRows;
        int tasks = bandCount * nBlocks;
        Parallel.RangeBody body = (from, to) -> {
            Packs packs = PACKS.get();
            for (int t = from; t < to; t++) {
                int r0 = (t / nBlocks) * bandRows, jc = (t % nBlocks) * NC;
                block(packs, a, aOff, ars, aps, b, bOff, brs, bcs, c, cOff, ldc,
                        r0, Math.min(bandRows, m - r0), jc, Math.min(NC, n - jc), k, acc);
            }
        };
        if (fork && tasks > 1) {
            Parallel.forRange(tasks, 1, body);
            return;
        }
        Packs packs = PACKS.get();
        for (int t = 0; t < tasks; t++) {
            int r0 = (t / nBlocks) * bandRows, jc = (t % nBlocks) * NC;
            block(packs, a, aOff, ars, aps, b, bOff, brs, bcs, c, cOff, ldc,
                    r0, Math.min(bandRows, m - r0), jc, Math.min(NC, n - jc), k, acc);
        }
    }

    /** C rows [r0, r0+rows) × columns [jc, jc+nc): per k block, pack B once, then each MC-row block of A. */
    private static void block(Packs packs, float[] a, int aOff, int ars, int aps, float[] b, int bOff, int brs, int bcs,
                              float[] c, int cOff, int ldc, int r0, int rows, int jc, int nc, int k, boolean acc) {
        float[] ap = packs.a, bp = packs.b;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            boolean load = acc || pc > 0;
            packB(b, bOff + pc * brs + jc * bcs, brs, bcs, kc, nc, bp);
            for (int ic = r0; ic < r0 + rows; ic += MC) {
                int mc = Math.min(MC, r0 + rows - ic);
                packA(a, aOff + ic * ars + pc * aps, ars, aps, mc, kc, ap);
                for (int jr = 0; jr < nc; jr += NR) {
                    int nr = Math.min(NR, nc - jr);
                    int bo = (jr / NR) * kc * NR;
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mr = Math.min(MR, mc - ir);
                        int ao = (ir / MR) * kc * MR;
                        int co = cOff + (ic + ir) * ldc + jc + jr;
                        if (mr == MR && nr == NR) MicroKernel.kernel(ap, ao, bp, bo, kc, c, co, ldc, load);
                        else MicroKernel.edge(packs.tile, ap, ao, bp, bo, kc, c, co, ldc, load, mr, nr);
                    }
                }
            }
        }
    }

    /** B block (kc × nc) → panels of NR columns, each p-major (row p of a panel = NR floats); short panels zero-padded. */
    static void packB(float[] b, int off, int brs, int bcs, int kc, int nc, float[] dst) {
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int d = (jr / NR) * kc * NR;
            int src = off + jr * bcs;
            if (nr == NR && bcs == 1) {
                for (int p = 0; p < kc; p++) {
                    int s = src + p * brs, o = d + p * NR;
                    FloatVector.fromArray(F, b, s).intoArray(dst, o);
                    FloatVector.fromArray(F, b, s + L).intoArray(dst, o + L);
                }
            } else {
                // B is a transposed view (the forward's weights) or a short panel: read each column
                // along p (contiguous for a transposed view), write it down the panel. Scalar: the
                // Vector API's gathers are not intrinsified here and allocate index arrays per call.
                for (int j = 0; j < nr; j++) {
                    int s = src + j * bcs;
                    for (int p = 0; p < kc; p++) dst[d + p * NR + j] = b[s + p * brs];
                }
                for (int j = nr; j < NR; j++)
                    for (int p = 0; p < kc; p++) dst[d + p * NR + j] = 0f;
            }
        }
    }

    /** A block (mc × kc) → panels of MR rows, each p-major (column p of a panel = MR floats); short panels zero-padded. */
    static void packA(float[] a, int off, int ars, int aps, int mc, int kc, float[] dst) {
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int d = (ir / MR) * kc * MR;
            int src = off + ir * ars;
            if (mr == MR && ars == 1) {
                // transposed A (the weight gradient's dYᵀ): the MR values of one p are contiguous
                for (int p = 0; p < kc; p++) FloatVector.fromArray(FA, a, src + p * aps).intoArray(dst, d + p * MR);
            } else {
                // rows of A along p (contiguous for nn/nt), written down the panel; scalar for the same reason as packB
                for (int i = 0; i < mr; i++) {
                    int s = src + i * ars;
                    for (int p = 0; p < kc; p++) dst[d + p * MR + i] = a[s + p * aps];
                }
                for (int i = mr; i < MR; i++)
                    for (int p = 0; p < kc; p++) dst[d + p * MR + i] = 0f;
            }
        }
    }
}
