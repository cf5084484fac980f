package dev.pith.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tile of {@link PackedGemm}'s per-block integer path (Q8_0/Q4_0 weights × Q8_0
 * activations, ggml's numerics): MR = 8 activation vectors × NR weight rows (two float vectors).
 * The 16 block-sum accumulators live in registers for the 32 steps of a block; at the block end each
 * is scaled and added to the output tile with one FMA, {@code c = fma(sum, d_w·d_x, c)}, c being a
 * small L1-resident tile. Before, the sums went through a scratch tile in memory and were read back
 * for the scale-add, which ran at about half the float GEMM's speed. (A 6 × 2 tile holding both the
 * 12 sums and the 12 outputs in registers measured no faster: narrower activation panels, more
 * loads per FMA.)
 *
 * <p>Exactness: the quants are int8 values carried as floats, every product is at most 127·128 in
 * magnitude and 32 of them sum below 2^24, so each block sum is the exact integer; d_w·d_x is the
 * product of two fp16 values (11-bit significands), exact in float. So every output element is
 * {@code Σ_b fma(sum_b, d_w·d_x, ·)} in block order, which {@link PackedGemm#referenceBlocks}
 * computes in plain scalar code, bit for bit.
 *
 * <p>One method holds the whole tile so that C2 keeps the vectors in registers (a vector passed
 * across a call that is not inlined would be boxed).
 */
final class BlockTile {
    static final VectorSpecies<Float> F = DotVector.F;
    private static final int L = F.length();
    /** Tile: MR activation vectors (one broadcast each per step) × NR weight rows (two float vectors); MR = PackedGemm's float tile's, so both share one activation packing. */
    static final int MR = 8, NR = 2 * L;
    /** Values per quant block: ggml's Q8_0/Q4_0 block. */
    static final int QK = 32;

    private BlockTile() {}

    /**
     * The tile of C (MR vectors × NR rows at co, vector stride ldc) (+)= the per-block integer
     * products of one activation panel (MR quants per step, k-major, at ao) and one weight panel (NR
     * quants per step, k-major, at bo) over kc steps, kc a multiple of QK. Scales: activation vector
     * m's for block i at {@code ad[ado + i·lda + m]}, weight row j's at {@code bd[bdo + i·NR + j]}.
     * {@code load}: add to the values in c (else start from zero, the first column block).
     */
    static void kernel(float[] ap, int ao, float[] ad, int ado, int lda, float[] bp, int bo, float[] bd, int bdo,
                       int kc, float[] c, int co, int ldc, boolean load) {
        if (!load) for (int i = 0, o = co; i < MR; i++, o += ldc) java.util.Arrays.fill(c, o, o + NR, 0f);
        for (int blk = 0; blk < kc / QK; blk++) {
            FloatVector zero = FloatVector.zero(F);
            FloatVector s00 = zero, s01 = zero, s10 = zero, s11 = zero, s20 = zero, s21 = zero, s30 = zero, s31 = zero,
                    s40 = zero, s41 = zero, s50 = zero, s51 = zero, s60 = zero, s61 = zero, s70 = zero, s71 = zero;
            int a0 = ao + blk * QK * MR, b0o = bo + blk * QK * NR;
            // Indices linear in the loop variable (not separately incremented ones), so that C2 can
            // hoist the arrays' bounds checks out of the loop (unrolling by 2 or 4 by hand gained nothing).
            for (int p = 0; p < QK; p++) {
                int ai = a0 + p * MR, bi = b0o + p * NR;
                FloatVector b0 = FloatVector.fromArray(F, bp, bi);
                FloatVector b1 = FloatVector.fromArray(F, bp, bi + L);
                FloatVector x = FloatVector.broadcast(F, ap[ai]);
                s00 = x.fma(b0, s00); s01 = x.fma(b1, s01);
                x = FloatVector.broadcast(F, ap[ai + 1]);
                s10 = x.fma(b0, s10); s11 = x.fma(b1, s11);
                x = FloatVector.broadcast(F, ap[ai + 2]);
                s20 = x.fma(b0, s20); s21 = x.fma(b1, s21);
                x = FloatVector.broadcast(F, ap[ai + 3]);
                s30 = x.fma(b0, s30); s31 = x.fma(b1, s31);
                x = FloatVector.broadcast(F, ap[ai + 4]);
                s40 = x.fma(b0, s40); s41 = x.fma(b1, s41);
                x = FloatVector.broadcast(F, ap[ai + 5]);
                s50 = x.fma(b0, s50); s51 = x.fma(b1, s51);
                x = FloatVector.broadcast(F, ap[ai + 6]);
                s60 = x.fma(b0, s60); s61 = x.fma(b1, s61);
                x = FloatVector.broadcast(F, ap[ai + 7]);
                s70 = x.fma(b0, s70); s71 = x.fma(b1, s71);
            }
            // Block end: c += sum · (d_w · d_x), the products of the scales exact (fp16 × fp16); c is an L1-resident tile.
            FloatVector w0 = FloatVector.fromArray(F, bd, bdo + blk * NR), w1 = FloatVector.fromArray(F, bd, bdo + blk * NR + L);
            int a = ado + blk * lda, o = co;
            float d = ad[a];
            s00.fma(w0.mul(d), FloatVector.fromArray(F, c, o)).intoArray(c, o); s01.fma(w1.mul(d), FloatVector.fromArray(F, c, o + L)).intoArray(c, o + L);
            o += ldc;
            d = ad[a + 1];
            s10.fma(w0.mul(d), FloatVector.fromArray(F, c, o)).intoArray(c, o); s11.fma(w1.mul(d), FloatVector.fromArray(F, c, o + L)).intoArray(c, o + L);
            o += ldc;
            d = ad[a + 2];
            s20.fma(w0.mul(d), FloatVector.fromArray(F, c, o)).intoArray(c, o); s21.fma(w1.mul(d), FloatVector.fromArray(F, c, o + L)).intoArray(c, o + L);
            o += ldc;
            d = ad[a + 3];
            s30.fma(w0.mul(d), FloatVector.fromArray(F, c, o)).intoArray(c, o); s31.fma(w1.mul(d), FloatVector.fromArray(F, c, o + L)).intoArray(c, o + L);
            o += ldc;
            d = ad[a + 4];
            s40.fma(w0.mul(d), FloatVector.fromArray(F, c, o)).intoArray(c, o); s41.fma(w1.mul(d), FloatVector.fromArray(F, c, o + L)).intoArray(c, o + L);
            o += ldc;
            d = ad[a + 5];
            s50.fma(w0.mul(d), FloatVector.fromArray(F, c, o)).intoArray(c, o); s51.fma(w1.mul(d), FloatVector.fromArray(F, c, o + L)).intoArray(c, o + L);
            o += ldc;
            d = ad[a + 6];
            s60.fma(w0.mul(d), FloatVector.fromArray(F, c, o)).intoArray(c, o); s61.fma(w1.mul(d), FloatVector.fromArray(F, c, o + L)).intoArray(c, o + L);
            o += ldc;
            d = ad[a + 7];
            s70.fma(w0.mul(d), FloatVector.fromArray(F, c, o)).intoArray(c, o); s71.fma(w1.mul(d), FloatVector.fromArray(F, c, o + L)).intoArray(c, o + L);
        }
    }

    /** {@link #kernel} for a tile (mr ≤ MR vectors × nr ≤ NR rows) through the contiguous scratch tile (MR·NR floats): the c it updates every block stays in a few L1 lines. */
    static void edge(float[] tile, float[] ap, int ao, float[] ad, int ado, int lda, float[] bp, int bo, float[] bd, int bdo,
                     int kc, float[] c, int co, int ldc, boolean load, int mr, int nr) {
        if (mr == MR && nr == NR) {
            full(tile, ap, ao, ad, ado, lda, bp, bo, bd, bdo, kc, c, co, ldc, load);
            return;
        }
        java.util.Arrays.fill(tile, 0, MR * NR, 0f);
        if (load) for (int i = 0; i < mr; i++) System.arraycopy(c, co + i * ldc, tile, i * NR, nr);
        kernel(ap, ao, ad, ado, lda, bp, bo, bd, bdo, kc, tile, 0, NR, true);
        for (int i = 0; i < mr; i++) System.arraycopy(tile, i * NR, c, co + i * ldc, nr);
    }

    /**
     * A whole tile (MR × NR) through the scratch tile, copied in and out by vectors: sixteen
     * arraycopy calls and a fill cost ~12 % of the kernel's time on a 512-token smollm2 prompt (JFR,
     * session 9), two vector moves per row cost a fraction of that. The same values reach c.
     */
    private static void full(float[] tile, float[] ap, int ao, float[] ad, int ado, int lda, float[] bp, int bo, float[] bd, int bdo,
                             int kc, float[] c, int co, int ldc, boolean load) {
        for (int i = 0; i < MR; i++) {
            int o = co + i * ldc, t = i * NR;
            FloatVector v0 = load ? FloatVector.fromArray(F, c, o) : FloatVector.zero(F);
            FloatVector v1 = load ? FloatVector.fromArray(F, c, o + L) : FloatVector.zero(F);
            v0.intoArray(tile, t);
            v1.intoArray(tile, t + L);
        }
        kernel(ap, ao, ad, ado, lda, bp, bo, bd, bdo, kc, tile, 0, NR, true);
        for (int i = 0; i < MR; i++) {
            int o = co + i * ldc, t = i * NR;
            FloatVector.fromArray(F, tile, t).intoArray(c, o);
            FloatVector.fromArray(F, tile, t + L).intoArray(c, o + L);
        }
    }
}
