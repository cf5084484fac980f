package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static dev.pith.core.kernel.DotVector.F;
import static dev.pith.core.kernel.DotVector.L;

/**
 * K-quant prompt products (Q2_K … Q6_K weights × Q8_K activations) as a packed GEMM whose results
 * equal {@link DotVector}'s single dots bit for bit.
 *
 * <p>Why this order: the single dot keeps, per super-block, 16 lane sums (lane l gathers the values
 * at positions ≡ l mod 16), each an exact integer below 2^24, then {@code acc_l = fma(S_l, d·d_x,
 * acc_l)} and at the end {@link Lanes}' fixed fold minus the min term. So the GEMM permutes every
 * super-block's 256 positions lane-class-major (k' = 16·l + i for position l + 16·i): each run of
 * 16 steps is one lane class, its sum S_l an exact integer whatever the order, and at the end of
 * the run that class's accumulator gets the same FMA. The loop over classes is outermost
 * ({@link #classTile}): 6 activation vectors × 32 weight rows, 12 sums and the class's 12
 * accumulators in registers across all super-blocks, stored once per class (with 8 vectors and the
 * classes innermost, each 16-step run ended in a load, FMA and store of 16 accumulators from an L1
 * tile). The weights are decoded once per call (sub-block scale × quant, exact integers) into a
 * 32-row panel that stays in L2 while every group of activation vectors streams past it. The min term (Q2_K/Q4_K/Q5_K)
 * is computed 32 rows at a time with the single dot's scalar operations, lane by lane, and the
 * lane-class fold is {@link Lanes#sum(float[], int, int)}'s, vector-wise over rows.
 * {@link #reference} is the plain scalar twin. Needs 16 float lanes (the lane classes are
 * DotVector's lanes).
 */
final class KQuantGemm {
    static final int MR = 6, NR = 2 * L;
    private static final int QK = 256, CLASSES = 16, STEPS = QK / CLASSES;

    private KQuantGemm() {}

    static boolean supports(DType type) {
        return DotVector.AVAILABLE && L == 16 && KQuantTiles.supports(type);
    }

    /** Per thread: the decoded panel of NR rows (all columns) and the accumulator tiles. */
    private static final class Scratch {
        float[] panel = new float[0], dw = new float[0], dmin = new float[0], mins = new float[0];
        /** The group's activation scales d_x, MR per super-block. */
        float[] yd = new float[0];
        KQuantTiles.Rows rows;
        int cols = -1;
        final float[] acc = new float[MR * CLASSES * NR];
        final float[] minAcc = new float[MR * NR];

        void size(int c) {
            if (c == cols) return;
            cols = c;
            int nb = c / QK;
            panel = new float[c * NR];
            dw = new float[nb * NR];
            dmin = new float[nb * NR];
            mins = new float[nb * 16 * NR];
            yd = new float[nb * MR];
            rows = new KQuantTiles.Rows(c);
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    private static final ThreadLocal<float[][]> X_PACK = ThreadLocal.withInitial(() -> new float[][]{new float[0]});

    /** out[t*rows + r] = DotVector.dot(type, w, r·rowBytes, a, t, cols), bit for bit. */
    static void run(DType type, MemorySegment w, long rowBytes, int rows, int cols, Activations a, int n, float[] out) {
        run(type, w, rowBytes, rows, cols, a, n, out, null, null);
    }

    /**
     * {@link #run} decoding the panels of whole row groups from the tensor's packed copy ({@code kind}'s
     * layout, see {@link PackedGroups#kQuantPanel}) where it has one: the same values, so the same
     * results, and the mapped file's pages need not come back once generation (or an earlier prompt)
     * made the copy. The rows past the last whole group come from the file.
     */
    static void run(DType type, MemorySegment w, long rowBytes, int rows, int cols, Activations a, int n, float[] out,
                    PackedGroups kind, MemorySegment packed) {
        int packedRows = packed != null && NR == PackedGroups.G ? rows / NR * NR : 0;
        int groups = (n + MR - 1) / MR;
        float[][] holder = X_PACK.get();
        if (holder[0].length < (long) groups * MR * cols) holder[0] = new float[groups * MR * cols];
        float[] xp = holder[0];
        pack(a.values, n, cols, xp);
        int panels = (rows + NR - 1) / NR;
        boolean mins = type == DType.Q2_K || type == DType.Q4_K || type == DType.Q5_K;
        Parallel.RangeBody body = (from, to) -> {
            Scratch s = SCRATCH.get();
            s.size(cols);
            for (int p = from; p < to; p++) {
                int r0 = p * NR, nr = Math.min(NR, rows - r0);
                if (r0 + NR <= packedRows) kind.kQuantPanel(packed, r0 / NR, cols / QK, s.panel, s.dw, s.dmin, s.mins);
                else decodePanel(type, w, rowBytes, r0, nr, cols, s);
                for (int g = 0; g < groups; g++) {
                    int t0 = g * MR, mr = Math.min(MR, n - t0);
                    group(s, xp, g * MR * cols, a, t0, mr, cols, mins);
                    store(s, out, rows, r0, nr, t0, mr);
                }
            }
        };
        Parallel.forChunks(panels, Math.min(panels, Parallel.threads() * 8), body);
    }

    /**
     * Activations into panels of MR vectors, k permuted lane-class-major per super-block, zero past n.
     * The groups are split over the threads: on the calling thread alone this was about 3 % of a
     * smollm2 Q4_K_M prompt that the second thread could not share (JFR, session 10).
     */
    private static void pack(float[] x, int n, int cols, float[] xp) {
        // The product itself always forks (run), so the packing does too, as PackedGemm's does.
        Parallel.forRange((n + MR - 1) / MR, 1, (from, to) -> packGroups(x, n, cols, xp, from, to));
    }

    /**
     * Where column k of a row sits in the panels (the activation panels' k too): each super-block's
     * 256 positions lane-class-major, k' = 16·l + i for position l + 16·i of the super-block.
     */
    static int position(int k) {
        return (k & ~(QK - 1)) + CLASSES * (k & (CLASSES - 1)) + ((k & (QK - 1)) >>> 4);
    }

    private static void packGroups(float[] x, int n, int cols, float[] xp, int fromGroup, int toGroup) {
        for (int g = fromGroup; g < toGroup; g++) {
            int base = g * MR * cols;
            for (int m = 0; m < MR; m++) {
                int t = g * MR + m;
                for (int k = 0; k < cols; k++) {
                    int kp = position(k);
                    xp[base + kp * MR + m] = t < n ? x[t * cols + k] : 0f;
                }
            }
        }
    }

    /** Rows r0 .. r0+nr-1 into the panel (k permuted as the activations, NR rows per step), zero rows past nr. */
    private static void decodePanel(DType type, MemorySegment w, long rowBytes, int r0, int nr, int cols, Scratch s) {
        int nb = cols / QK;
        java.util.Arrays.fill(s.panel, 0f);
        java.util.Arrays.fill(s.dw, 0f);
        java.util.Arrays.fill(s.dmin, 0f);
        java.util.Arrays.fill(s.mins, 0f);
        KQuantTiles.Rows q = s.rows;
        for (int j0 = 0; j0 < nr; j0 += 4) {
            if (nr - j0 >= 4) {
                KQuantTiles.decode(type, w, (long) (r0 + j0) * rowBytes, rowBytes, cols, q);
                scatterFour(q, cols, s, j0);
                for (int rr = 0; rr < 4; rr++) scales(q, rr, nb, s, j0 + rr);
            } else {
                // The decoder's unit is 4 rows: decode the same row 4 times (row stride 0) and keep one.
                for (int j = j0; j < nr; j++) {
                    KQuantTiles.decode(type, w, (long) (r0 + j) * rowBytes, 0, cols, q);
                    scatter(q, 0, cols, nb, s, j);
                }
            }
        }
    }

    private static void scatter(KQuantTiles.Rows q, int rr, int cols, int nb, Scratch s, int j) {
        for (int k = 0; k < cols; k++) {
            s.panel[position(k) * NR + j] = q.w[rr * cols + k];
        }
        scales(q, rr, nb, s, j);
    }

    /**
     * {@link #scatter}'s panel values for the decode unit's four rows at once: the four values of
     * a column are neighbours in the panel, so each panel line is touched once instead of four
     * times (the scatter, one row at a time, was a fifth of a 1B Q4_K_M prompt).
     */
    private static void scatterFour(KQuantTiles.Rows q, int cols, Scratch s, int j0) {
        float[] w = q.w, panel = s.panel;
        int c1 = cols, c2 = 2 * cols, c3 = 3 * cols;
        for (int k = 0; k < cols; k++) {
            int at = position(k) * NR + j0;
            panel[at] = w[k];
            panel[at + 1] = w[c1 + k];
            panel[at + 2] = w[c2 + k];
            panel[at + 3] = w[c3 + k];
        }
    }

    /** Row rr's super-block scales and group minima into the panel's side arrays, as row j. */
    private static void scales(KQuantTiles.Rows q, int rr, int nb, Scratch s, int j) {
        for (int b = 0; b < nb; b++) {
            int blk = rr * nb + b;
            s.dw[b * NR + j] = q.d[blk];
            s.dmin[b * NR + j] = q.dmin[blk];
            for (int g = 0; g < 16; g++) s.mins[(b * 16 + g) * NR + j] = q.mins[16 * blk + g];
        }
    }

    /** One group of MR activation vectors × the panel: the lane-class accumulators and the min sums. */
    private static void group(Scratch s, float[] xp, int ao, Activations a, int t0, int mr, int cols, boolean withMins) {
        int nb = cols / QK;
        java.util.Arrays.fill(s.minAcc, 0f);
        for (int b = 0; b < nb; b++) {
            for (int m = 0; m < MR; m++) {
                float yd = m < mr ? a.d[(t0 + m) * nb + b] : 0f;
                s.yd[b * MR + m] = yd;
                if (withMins && m < mr) minStep(s, a, (t0 + m) * (cols / 16) + 16 * b, b, yd, m);
            }
        }
        for (int l = 0; l < CLASSES; l++) classTile(xp, ao, s.panel, s.dw, s.yd, nb, l, s.acc);
    }

    /** minAcc[m] += (dmin·d_x)·Σ_g min_g·bsum_g for the 32 rows: the single dot's three rounded steps. */
    private static void minStep(Scratch s, Activations a, int bs, int b, float yd, int m) {
        FloatVector t0 = FloatVector.zero(F), t1 = t0;
        int mo = b * 16 * NR;
        for (int g = 0; g < 16; g++) {
            float bsum = a.bsums[bs + g];
            t0 = FloatVector.fromArray(F, s.mins, mo + g * NR).fma(FloatVector.broadcast(F, bsum), t0);
            t1 = FloatVector.fromArray(F, s.mins, mo + g * NR + L).fma(FloatVector.broadcast(F, bsum), t1);
        }
        int o = m * NR;
        FloatVector.fromArray(F, s.dmin, b * NR).mul(yd).mul(t0).add(FloatVector.fromArray(F, s.minAcc, o)).intoArray(s.minAcc, o);
        FloatVector.fromArray(F, s.dmin, b * NR + L).mul(yd).mul(t1).add(FloatVector.fromArray(F, s.minAcc, o + L)).intoArray(s.minAcc, o + L);
    }

    /**
     * Lane class l over every super-block: per block, 16 steps of the MR × 32 register tile into exact
     * integer sums, then acc = fma(sum, d_w·d_x, acc) with acc in registers across the blocks (each
     * class's chain is its own, in block order, so the bits are the single dot's); the class's
     * accumulators go to acc's slots (m·16 + l)·NR once at the end. Six vectors (not eight) so that
     * 12 sums, 12 accumulators and the loads fit the 32 vector registers.
     */
    private static void classTile(float[] ap, int ao, float[] bp, float[] dw, float[] yd, int nb, int l, float[] acc) {
        FloatVector zero = FloatVector.zero(F);
        FloatVector c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero,
                c30 = zero, c31 = zero, c40 = zero, c41 = zero, c50 = zero, c51 = zero;
        for (int b = 0; b < nb; b++) {
            FloatVector s00 = zero, s01 = zero, s10 = zero, s11 = zero, s20 = zero, s21 = zero,
                    s30 = zero, s31 = zero, s40 = zero, s41 = zero, s50 = zero, s51 = zero;
            int k0 = b * QK + l * STEPS, a0 = ao + k0 * MR, b0o = k0 * NR;
            for (int p = 0; p < STEPS; p++) {
                int ai = a0 + p * MR, bi = b0o + p * NR;
                FloatVector w0 = FloatVector.fromArray(F, bp, bi);
                FloatVector w1 = FloatVector.fromArray(F, bp, bi + L);
                FloatVector x = FloatVector.broadcast(F, ap[ai]);
                s00 = x.fma(w0, s00); s01 = x.fma(w1, s01);
                x = FloatVector.broadcast(F, ap[ai + 1]);
                s10 = x.fma(w0, s10); s11 = x.fma(w1, s11);
                x = FloatVector.broadcast(F, ap[ai + 2]);
                s20 = x.fma(w0, s20); s21 = x.fma(w1, s21);
                x = FloatVector.broadcast(F, ap[ai + 3]);
                s30 = x.fma(w0, s30); s31 = x.fma(w1, s31);
                x = FloatVector.broadcast(F, ap[ai + 4]);
                s40 = x.fma(w0, s40); s41 = x.fma(w1, s41);
                x = FloatVector.broadcast(F, ap[ai + 5]);
                s50 = x.fma(w0, s50); s51 = x.fma(w1, s51);
            }
            // d_w·d_x rounded once, as the single dot's d·y_d, then one FMA per accumulator
            FloatVector d0 = FloatVector.fromArray(F, dw, b * NR), d1 = FloatVector.fromArray(F, dw, b * NR + L);
            int y = b * MR;
            c00 = s00.fma(d0.mul(yd[y]), c00); c01 = s01.fma(d1.mul(yd[y]), c01);
            c10 = s10.fma(d0.mul(yd[y + 1]), c10); c11 = s11.fma(d1.mul(yd[y + 1]), c11);
            c20 = s20.fma(d0.mul(yd[y + 2]), c20); c21 = s21.fma(d1.mul(yd[y + 2]), c21);
            c30 = s30.fma(d0.mul(yd[y + 3]), c30); c31 = s31.fma(d1.mul(yd[y + 3]), c31);
            c40 = s40.fma(d0.mul(yd[y + 4]), c40); c41 = s41.fma(d1.mul(yd[y + 4]), c41);
            c50 = s50.fma(d0.mul(yd[y + 5]), c50); c51 = s51.fma(d1.mul(yd[y + 5]), c51);
        }
        int o = l * NR, st = CLASSES * NR;
        c00.intoArray(acc, o); c01.intoArray(acc, o + L);
        o += st;
        c10.intoArray(acc, o); c11.intoArray(acc, o + L);
        o += st;
        c20.intoArray(acc, o); c21.intoArray(acc, o + L);
        o += st;
        c30.intoArray(acc, o); c31.intoArray(acc, o + L);
        o += st;
        c40.intoArray(acc, o); c41.intoArray(acc, o + L);
        o += st;
        c50.intoArray(acc, o); c51.intoArray(acc, o + L);
    }

    /** Lanes.sum's folds over the 16 class slots (vector-wise over the rows), minus the min sum, into out. */
    private static void store(Scratch s, float[] out, int rows, int r0, int nr, int t0, int mr) {
        float[] acc = s.acc;
        for (int m = 0; m < mr; m++) {
            int base = m * CLASSES * NR;
            for (int h = CLASSES / 2; h >= 1; h /= 2) {
                for (int i = 0; i < h; i++) {
                    int o = base + i * NR, o2 = base + (i + h) * NR;
                    FloatVector.fromArray(F, acc, o).add(FloatVector.fromArray(F, acc, o2)).intoArray(acc, o);
                    FloatVector.fromArray(F, acc, o + L).add(FloatVector.fromArray(F, acc, o2 + L)).intoArray(acc, o + L);
                }
            }
            int oo = (t0 + m) * rows + r0;
            for (int j = 0; j < nr; j++) out[oo + j] = acc[base + j] - s.minAcc[m * NR + j];
        }
    }

    /**
     * The plain scalar twin of {@link #run}: per (row, vector), the 16 lane-class integer sums of
     * each super-block, {@code acc_l = fma(S_l, d·d_x, acc_l)}, Lanes' fold, minus the min term.
     */
    static void reference(DType type, MemorySegment w, long rowBytes, int rows, int cols, Activations a, int n, float[] out) {
        int nb = cols / QK;
        boolean withMins = type == DType.Q2_K || type == DType.Q4_K || type == DType.Q5_K;
        KQuantTiles.Rows q = new KQuantTiles.Rows(cols);
        float[] acc = new float[CLASSES];
        for (int r = 0; r < rows; r++) {
            KQuantTiles.decode(type, w, r * rowBytes, 0, cols, q);
            for (int t = 0; t < n; t++) {
                java.util.Arrays.fill(acc, 0f);
                float mins = 0f;
                for (int b = 0; b < nb; b++) {
                    float yd = a.d[t * nb + b];
                    for (int l = 0; l < CLASSES; l++) {
                        float sum = 0f;
                        for (int i = 0; i < STEPS; i++) sum += q.w[QK * b + l + CLASSES * i] * a.values[t * cols + QK * b + l + CLASSES * i];
                        acc[l] = Math.fma(sum, q.d[b] * yd, acc[l]);
                    }
                    if (!withMins) continue;
                    int mt = 0;
                    for (int g = 0; g < 16; g++) mt += q.mins[16 * b + g] * a.bsums[t * (cols / 16) + 16 * b + g];
                    mins += q.dmin[b] * yd * mt;
                }
                out[t * rows + r] = Lanes.sum(acc, 0, CLASSES) - mins;
            }
        }
    }
}
