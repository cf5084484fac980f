package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.quant.Bytes;
import dev.pith.core.quant.KScales;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.pith.core.kernel.DotVector.F;
import static dev.pith.core.kernel.DotVector.L;

/**
 * {@link TiledMatMul}'s tiles for the K-quants (Q2_K … Q6_K) against Q8_K activations:
 * 4 weight rows × 4 activation vectors per super-block of 256 values.
 *
 * <p>Why the results stay bit-identical to {@link DotVector}'s single dots: within a super-block
 * every product and partial sum there is an exact integer in float (weight quant × sub-block scale
 * × int8 activation, at most 2^23 per lane), so computing them from pre-scaled decoded weights in
 * another order changes nothing. Only the step after each super-block rounds — {@code acc =
 * sum·(d·d_x) + acc}, and for Q4_K/Q5_K the scalar {@code mins += dmin·d_x·Σ min·bsum} — and the
 * tile does exactly those operations in the same order. Lane l of a super-block's sum gathers the
 * values at positions ≡ l (mod 16), as the single dot's sub-block loops do.
 */
final class KQuantTiles {
    private KQuantTiles() {}

    static boolean supports(DType type) {
        return switch (type) {
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    private static boolean hasMins(DType type) { return type == DType.Q2_K || type == DType.Q4_K || type == DType.Q5_K; }

    /** Per-thread scratch for 4 decoded rows. */
    static final class Rows {
        final float[] w;      // 4 × cols: quant × sub-block scale, exact integers
        final float[] d;      // 4 × blocks: super-block scale
        final float[] dmin;   // 4 × blocks: super-block min scale (Q2_K, Q4_K, Q5_K)
        final int[] mins;     // 4 × blocks × 16: the min of each 16-value group (Q2_K, Q4_K, Q5_K)
        final float[] minSums = new float[16];
        final float[] sums = new float[16 * L];

        Rows(int cols) {
            int nb = cols / 256;
            w = new float[4 * cols];
            d = new float[4 * nb];
            dmin = new float[4 * nb];
            mins = new int[4 * nb * 16];
        }
    }

    /** Rows r .. r+3 (bytes at o, o+rb, ...) into {@code rows}. */
    static void decode(DType type, MemorySegment w, long o, long rb, int cols, Rows rows) {
        int nb = cols / 256;
        for (int rr = 0; rr < 4; rr++) {
            long ro = o + rr * rb;
            for (int b = 0; b < nb; b++) {
                int dst = rr * cols + 256 * b, blk = rr * nb + b;
                switch (type) {
                    case Q2_K -> decodeQ2K(w, ro + 84L * b, rows, dst, blk);
                    case Q3_K -> decodeQ3K(w, ro + 110L * b, rows, dst, blk);
                    case Q4_K -> decodeQ4K(w, ro + 144L * b, rows, dst, blk, L == 16);
                    case Q5_K -> decodeQ5K(w, ro + 176L * b, rows, dst, blk);
                    default -> decodeQ6K(w, ro + 210L * b, rows, dst, blk, L == 16);
                }
            }
        }
    }

    private static void decodeQ2K(MemorySegment w, long p, Rows r, int dst, int blk) {
        r.d[blk] = Bytes.f16(w, p + 80);
        r.dmin[blk] = Bytes.f16(w, p + 82);
        for (int g = 0; g < 16; g++) {
            long q = p + 16 + 32 * (g >>> 3) + 16 * (g & 1);
            int shift = 2 * ((g >>> 1) & 3), sc = Bytes.u8(w, p + g);
            r.mins[16 * blk + g] = sc >>> 4;
            for (int c = 0; c < 16; c++) r.w[dst + 16 * g + c] = (sc & 0xF) * ((Bytes.u8(w, q + c) >>> shift) & 3);
        }
    }

    private static void decodeQ3K(MemorySegment w, long p, Rows r, int dst, int blk) {
        r.d[blk] = Bytes.f16(w, p + 108);
        for (int g = 0; g < 16; g++) {
            long q = p + 32 + 32 * (g >>> 3) + 16 * (g & 1), hm = p + 16 * (g & 1);
            int shift = 2 * ((g >>> 1) & 3), bit = g >>> 1, scale = KScales.scaleQ3K(w, p + 96, g);
            for (int c = 0; c < 16; c++) {
                int v = ((Bytes.u8(w, q + c) >>> shift) & 3) | (((Bytes.u8(w, hm + c) >>> bit) & 1) << 2);
                r.w[dst + 16 * g + c] = scale * (v - 4);
            }
        }
    }

    /**
     * One Q4_K super-block: sub-block scale × nibble, exact integers as floats. {@code lanes} (16
     * float lanes only): sixteen values at a time, the bytes zero-extended to int lanes; otherwise
     * the plain scalar loop, its twin (KQuantDecodeTest).
     */
    static void decodeQ4K(MemorySegment w, long p, Rows r, int dst, int blk, boolean lanes) {
        r.d[blk] = Bytes.f16(w, p);
        r.dmin[blk] = Bytes.f16(w, p + 2);
        for (int j = 0; j < 8; j++) {
            r.mins[16 * blk + 2 * j] = r.mins[16 * blk + 2 * j + 1] = KScales.minK4(w, p + 4, j);
            int scale = KScales.scaleK4(w, p + 4, j);
            long q = p + 16 + 32L * (j >>> 1);
            int shift = 4 * (j & 1);
            if (lanes) {
                for (int l = 0; l < 32; l += 16) {
                    widen(w, q + l).lanewise(VectorOperators.LSHR, shift).and(0xF).mul(scale)
                            .convert(VectorOperators.I2F, 0).reinterpretAsFloats().intoArray(r.w, dst + 32 * j + l);
                }
            } else {
                for (int l = 0; l < 32; l++) r.w[dst + 32 * j + l] = scale * ((Bytes.u8(w, q + l) >>> shift) & 0xF);
            }
        }
    }

    /** 16 bytes at {@code q} zero-extended to int lanes. */
    private static IntVector widen(MemorySegment w, long q) {
        return (IntVector) ByteVector.fromMemorySegment(DotVector.B, w, q, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2I, IntVector.SPECIES_512, 0);
    }

    private static void decodeQ5K(MemorySegment w, long p, Rows r, int dst, int blk) {
        r.d[blk] = Bytes.f16(w, p);
        r.dmin[blk] = Bytes.f16(w, p + 2);
        for (int j = 0; j < 8; j++) {
            r.mins[16 * blk + 2 * j] = r.mins[16 * blk + 2 * j + 1] = KScales.minK4(w, p + 4, j);
            int scale = KScales.scaleK4(w, p + 4, j);
            long q = p + 48 + 32L * (j >>> 1);
            int shift = 4 * (j & 1);
            for (int l = 0; l < 32; l++) {
                int low = (Bytes.u8(w, q + l) >>> shift) & 0xF;
                int high = ((Bytes.u8(w, p + 16 + l) >>> j) & 1) << 4;
                r.w[dst + 32 * j + l] = scale * (low | high);
            }
        }
    }

    /** One Q6_K super-block: scale × (6-bit value − 32); {@code lanes}: a group of 16 at a time in int lanes, else the scalar twin. */
    static void decodeQ6K(MemorySegment w, long p, Rows r, int dst, int blk, boolean lanes) {
        r.d[blk] = Bytes.f16(w, p + 208);
        for (int g = 0; g < 16; g++) {
            int h = g >>> 3, k = (g >>> 1) & 3, l0 = 16 * (g & 1);
            int scale = Bytes.i8(w, p + 192 + g);
            long ql = p + 64L * h + 32 * (k & 1) + l0, qh = p + 128 + 32L * h + l0;
            if (lanes) {
                IntVector low = widen(w, ql).lanewise(VectorOperators.LSHR, 4 * (k >>> 1)).and(0xF);
                IntVector high = widen(w, qh).lanewise(VectorOperators.LSHR, 2 * k).and(3).lanewise(VectorOperators.LSHL, 4);
                low.or(high).sub(32).mul(scale).convert(VectorOperators.I2F, 0).reinterpretAsFloats().intoArray(r.w, dst + 16 * g);
                continue;
            }
            for (int c = 0; c < 16; c++) {
                int q = ((Bytes.u8(w, ql + c) >>> (4 * (k >>> 1))) & 0xF) | (((Bytes.u8(w, qh + c) >>> (2 * k)) & 3) << 4);
                r.w[dst + 16 * g + c] = scale * (q - 32);
            }
        }
    }

    /**
     * The decoded rows × activation vectors t .. t+3: accumulators to lanes[(tt*4 + rr)*L], and the
     * Q2_K/Q4_K/Q5_K min correction of each pair to rows.minSums[tt*4 + rr] (0 for Q3_K, Q6_K).
     */
    static void tile(DType type, Rows rows, int cols, Activations a, int t, float[] lanes) {
        int nb = cols / 256;
        java.util.Arrays.fill(lanes, 0, 16 * L, 0f);
        java.util.Arrays.fill(rows.minSums, 0f);
        boolean withMins = hasMins(type);
        for (int b = 0; b < nb; b++) {
            superBlock(rows.w, cols, a.values, t, 256 * b, rows.d, a.d, nb, b, lanes, rows.sums);
            if (!withMins) continue;
            for (int tt = 0; tt < 4; tt++) {
                int xb = (t + tt) * cols + 256 * b;
                float yd = a.d[xb / 256];
                for (int rr = 0; rr < 4; rr++) {
                    int blk = rr * nb + b;
                    rows.minSums[tt * 4 + rr] += rows.dmin[blk] * yd * minTerm(rows.mins, 16 * blk, a.bsums, xb / 16);
                }
            }
        }
    }

    /** Σ_g min_g · (sum of group g's 16 activation quants): the same integer as the single dots' min terms. */
    private static int minTerm(int[] mins, int m, short[] bsums, int first) {
        int sum = 0;
        for (int g = 0; g < 16; g++) sum += mins[m + g] * bsums[first + g];
        return sum;
    }

    /** One super-block: 16 exact integer lane sums, then acc = sum·(d·d_x) + acc per pair. */
    private static void superBlock(float[] w, int cols, float[] x, int t, int k0, float[] d, float[] xd, int nb, int b, float[] lanes, float[] sums) {
        FloatVector zero = FloatVector.zero(F);
        FloatVector e00 = zero, e01 = zero, e02 = zero, e03 = zero, e10 = zero, e11 = zero, e12 = zero, e13 = zero,
                e20 = zero, e21 = zero, e22 = zero, e23 = zero, e30 = zero, e31 = zero, e32 = zero, e33 = zero;
        int x0 = t * cols + k0, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        int w1 = cols, w2 = 2 * cols, w3 = 3 * cols;
        for (int i = 0; i < 256; i += L) {
            FloatVector r0 = FloatVector.fromArray(F, w, k0 + i), r1 = FloatVector.fromArray(F, w, w1 + k0 + i);
            FloatVector r2 = FloatVector.fromArray(F, w, w2 + k0 + i), r3 = FloatVector.fromArray(F, w, w3 + k0 + i);
            FloatVector v = FloatVector.fromArray(F, x, x0 + i);
            e00 = r0.fma(v, e00); e10 = r1.fma(v, e10); e20 = r2.fma(v, e20); e30 = r3.fma(v, e30);
            v = FloatVector.fromArray(F, x, x1 + i);
            e01 = r0.fma(v, e01); e11 = r1.fma(v, e11); e21 = r2.fma(v, e21); e31 = r3.fma(v, e31);
            v = FloatVector.fromArray(F, x, x2 + i);
            e02 = r0.fma(v, e02); e12 = r1.fma(v, e12); e22 = r2.fma(v, e22); e32 = r3.fma(v, e32);
            v = FloatVector.fromArray(F, x, x3 + i);
            e03 = r0.fma(v, e03); e13 = r1.fma(v, e13); e23 = r2.fma(v, e23); e33 = r3.fma(v, e33);
        }
        // Spill the exact sums, then fold them in a loop: passing vectors to a helper 16 times
        // exceeds C2's inlining budget and boxes them (measured: 3x slower than per-row dots).
        e00.intoArray(sums, 0); e10.intoArray(sums, L); e20.intoArray(sums, 2 * L); e30.intoArray(sums, 3 * L);
        e01.intoArray(sums, 4 * L); e11.intoArray(sums, 5 * L); e21.intoArray(sums, 6 * L); e31.intoArray(sums, 7 * L);
        e02.intoArray(sums, 8 * L); e12.intoArray(sums, 9 * L); e22.intoArray(sums, 10 * L); e32.intoArray(sums, 11 * L);
        e03.intoArray(sums, 12 * L); e13.intoArray(sums, 13 * L); e23.intoArray(sums, 14 * L); e33.intoArray(sums, 15 * L);
        for (int tt = 0; tt < 4; tt++) {
            float y = xd[(x0 + tt * cols) / 256];
            for (int rr = 0; rr < 4; rr++) {
                int slot = (tt * 4 + rr) * L;
                FloatVector.fromArray(F, sums, slot).fma(FloatVector.broadcast(F, d[rr * nb + b] * y), FloatVector.fromArray(F, lanes, slot))
                        .intoArray(lanes, slot);
            }
        }
    }
}
