package dev.pith.core.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.pith.core.kernel.DotVector.F;
import static dev.pith.core.kernel.DotVector.I;
import static dev.pith.core.kernel.LaneBands.LE;
import static dev.pith.core.kernel.LaneBands.B128;
import static dev.pith.core.kernel.LaneBands.S16;
import static dev.pith.core.kernel.LaneBands.I8;

/**
 * A Q4_K prompt product (many Q8_K activation vectors) on the packed copy ({@link Q4_KGroups}), with
 * the 32 rows of a group in 16-bit lanes as {@link Q4_0LaneGemm} does for Q4_0 (see there and
 * {@link LaneBands} for why and how), and the bits of the scalar reference {@link DotScalar#q4_K}:
 * the bits generation computes on the same copy ({@link Q4_KGroups}), so a prompt's products and a
 * generated token's agree exactly.
 *
 * <p>Per 32-column sub-block and vector, the lanes sum Σ(q − 8)·x in shorts (low lanes starting at
 * −8·Σx, as in {@link Q4_KGroups}); 8·Σx is added back in 32-bit lanes, times the rows' 6-bit scales,
 * into the super-block's exact {@code isum}, and {@code summs = Σ min·Σx} beside it; at the
 * super-block end each row adds {@code d·y·isum − dmin·y·summs} to its total, super-blocks in column
 * order from zero: the reference's integers and float operations. Tile: MR = 4 vectors × 32 rows (8
 * short and 16 int accumulators in registers). Rows past the last whole group go through the
 * reference itself. {@code -Dpith.matmul.lanes=off} sends Q4_K prompts back to {@link KQuantGemm}
 * (whose bits are {@link DotVector}'s).
 *
 * <p>{@code KQuantGemmBench 1 2048 2048 256 Q4_K} (AMD EPYC Zen 4, one thread): lanes 111 GFLOP/s against
 * {@link KQuantGemm}'s 70 (3 vectors per tile: 95); whole llama-3.2-1b Q4_K_M prompts of 256 tokens on
 * two threads 70-71 → 95-101 tokens/s.
 */
final class Q4_KLaneGemm {
    static final int MR = 4;
    private static final int G = PackedGroups.G, QK = 256;
    private static final int GROUP_BLOCK = Q4_KGroups.GROUP_BLOCK;
    /** The copy's sub-block stride and where a sub-block's scales and mins sit in it, as constants (a call left
     *  out of line in the tile would make C2 spill every live vector around it). */
    private static final int SUB = Q4_KGroups.quants(32), SCALES = Q4_KGroups.scales(0), MINS = Q4_KGroups.mins(0);
    /** Super-blocks per slice: a band's slice is 16 tiles · 4 vectors · 1,024 columns · 4 bytes = 256 KiB (L2). */
    private static final int KB = 4;

    private Q4_KLaneGemm() {}

    /**
     * out[t·rows + r] = {@link DotScalar#q4_K} of row r and vector t, bit for bit: the copy's whole
     * groups in lanes, the other rows by the reference.
     */
    static void run(MemorySegment w, long rowBytes, MemorySegment packed, int rows, int cols, Activations a, int n, float[] out) {
        int groups = rows / G;
        int nsb = cols / QK;
        LaneBands.run(a, n, cols, MR, QK, groups, (band, g0, g1, tile0, tile1) -> LaneBands.products(band, g0, g1, rows, n, MR, nsb, KB, tile0, tile1, out,
                (bd, g, j, b0, b1, c, co, ldc, load) -> superBlocks(packed, (long) g * nsb * GROUP_BLOCK, b0, b1, bd.quants, j * MR * cols,
                        bd.offsets, bd.sums, j * MR * (cols / 32), bd.scales, j * MR * nsb, c, co, ldc, load, bd.acc)));
        for (int r = groups * G; r < rows; r++) {
            for (int t = 0; t < n; t++) out[t * rows + r] = DotScalar.q4_K(w, r * rowBytes, a, t * cols, cols);
        }
    }

    /** Super-blocks [sb0, sb1) of the group at gOff × one tile: c (+)= their parts ({@code load}: add to c, else start at zero). */
    private static void superBlocks(MemorySegment w, long gOff, int sb0, int sb1, int[] q, int xo, short[] offs, int[] sums, int so,
                                    float[] ys, int yo, float[] c, int co, int ldc, boolean load, int[] acc) {
        if (!load) for (int m = 0; m < MR; m++) java.util.Arrays.fill(c, co + m * ldc, co + m * ldc + G, 0f);
        for (int sb = sb0; sb < sb1; sb++) {
            long p = gOff + (long) GROUP_BLOCK * sb;
            tile(w, p, q, xo + QK * sb * MR, offs, sums, so + 8 * sb * MR, acc);
            finish(w, p, acc, ys, yo + sb * MR, c, co, ldc);
        }
    }

    /**
     * The register tile: one super-block (at p) of a group × MR vectors. Vector m's quant in column k of
     * the super-block at q[x + k·MR + m]; its sub-block j offset and sum at [s + j·MR + m]; its isum and summs of rows
     * 0-15 and 16-31 to acc[64·m ..] (isum rows 0-15, isum 16-31, summs 0-15, summs 16-31). One flat method, no helpers: C2 keeps every vector in
     * a register only where it inlines everything, and this method is big enough that small helpers were
     * left out (NodeCountInliningCutoff) and their vectors boxed (69 against 106 GFLOP/s). One super-block
     * per call: a call that loops long gets compiled on-stack (OSR) with its live vectors boxed.
     */
    static void tile(MemorySegment w, long p, int[] q, int x0, short[] offs, int[] sums, int s0, int[] acc) {
        IntVector zi = IntVector.zero(I);
        IntVector i00 = zi, i01 = zi, m00 = zi, m01 = zi, i10 = zi, i11 = zi, m10 = zi, m11 = zi, i20 = zi, i21 = zi, m20 = zi, m21 = zi, i30 = zi, i31 = zi, m30 = zi, m31 = zi;
        for (int sub = 0; sub < 8; sub++) {
            long lines = p + (long) SUB * sub;
            int bo = s0 + sub * MR, x = x0 + 32 * sub * MR;
            ShortVector l0 = ShortVector.broadcast(S16, offs[bo + 0]), h0 = ShortVector.zero(S16);
            ShortVector l1 = ShortVector.broadcast(S16, offs[bo + 1]), h1 = ShortVector.zero(S16);
            ShortVector l2 = ShortVector.broadcast(S16, offs[bo + 2]), h2 = ShortVector.zero(S16);
            ShortVector l3 = ShortVector.broadcast(S16, offs[bo + 3]), h3 = ShortVector.zero(S16);
            for (int k = 0; k < 32; k++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B128, w, lines + 16L * k, LE).convertShape(VectorOperators.B2S, S16, 0);
                ShortVector lo = v.and((short) 0xF), hi = v.lanewise(VectorOperators.ASHR, 4);
                int xk = x + k * MR;
                ShortVector xm;
                xm = IntVector.broadcast(I8, q[xk + 0]).reinterpretAsShorts(); l0 = l0.add(lo.mul(xm)); h0 = h0.add(hi.mul(xm));
                xm = IntVector.broadcast(I8, q[xk + 1]).reinterpretAsShorts(); l1 = l1.add(lo.mul(xm)); h1 = h1.add(hi.mul(xm));
                xm = IntVector.broadcast(I8, q[xk + 2]).reinterpretAsShorts(); l2 = l2.add(lo.mul(xm)); h2 = h2.add(hi.mul(xm));
                xm = IntVector.broadcast(I8, q[xk + 3]).reinterpretAsShorts(); l3 = l3.add(lo.mul(xm)); h3 = h3.add(hi.mul(xm));
            }
            long sc = lines + SCALES, mn = lines + MINS;
            IntVector sc0 = (IntVector) ByteVector.fromMemorySegment(B128, w, sc, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector sc1 = (IntVector) ByteVector.fromMemorySegment(B128, w, sc + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector mn0 = (IntVector) ByteVector.fromMemorySegment(B128, w, mn, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector mn1 = (IntVector) ByteVector.fromMemorySegment(B128, w, mn + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            int xs;
            IntVector back;
            xs = sums[bo + 0];
            back = IntVector.broadcast(I, 8 * xs);
            i00 = i00.add(((IntVector) l0.convertShape(VectorOperators.S2I, I, 0)).add(back).mul(sc0));
            i01 = i01.add(((IntVector) h0.convertShape(VectorOperators.S2I, I, 0)).add(back).mul(sc1));
            m00 = m00.add(mn0.mul(xs));
            m01 = m01.add(mn1.mul(xs));
            xs = sums[bo + 1];
            back = IntVector.broadcast(I, 8 * xs);
            i10 = i10.add(((IntVector) l1.convertShape(VectorOperators.S2I, I, 0)).add(back).mul(sc0));
            i11 = i11.add(((IntVector) h1.convertShape(VectorOperators.S2I, I, 0)).add(back).mul(sc1));
            m10 = m10.add(mn0.mul(xs));
            m11 = m11.add(mn1.mul(xs));
            xs = sums[bo + 2];
            back = IntVector.broadcast(I, 8 * xs);
            i20 = i20.add(((IntVector) l2.convertShape(VectorOperators.S2I, I, 0)).add(back).mul(sc0));
            i21 = i21.add(((IntVector) h2.convertShape(VectorOperators.S2I, I, 0)).add(back).mul(sc1));
            m20 = m20.add(mn0.mul(xs));
            m21 = m21.add(mn1.mul(xs));
            xs = sums[bo + 3];
            back = IntVector.broadcast(I, 8 * xs);
            i30 = i30.add(((IntVector) l3.convertShape(VectorOperators.S2I, I, 0)).add(back).mul(sc0));
            i31 = i31.add(((IntVector) h3.convertShape(VectorOperators.S2I, I, 0)).add(back).mul(sc1));
            m30 = m30.add(mn0.mul(xs));
            m31 = m31.add(mn1.mul(xs));
        }
        // The float part in its own method (below): with it here the tile was big enough that C2 sometimes left
        // the last statements' vector operations out of line and boxed them (a quarter of the speed in such a run).
        i00.intoArray(acc, 0); m00.intoArray(acc, 32);
        i01.intoArray(acc, 16); m01.intoArray(acc, 48);
        i10.intoArray(acc, 64); m10.intoArray(acc, 96);
        i11.intoArray(acc, 80); m11.intoArray(acc, 112);
        i20.intoArray(acc, 128); m20.intoArray(acc, 160);
        i21.intoArray(acc, 144); m21.intoArray(acc, 176);
        i30.intoArray(acc, 192); m30.intoArray(acc, 224);
        i31.intoArray(acc, 208); m31.intoArray(acc, 240);
    }

    /**
     * The super-block's float part for the tile's MR vectors: per row the reference's
     * {@code sumf += d·y·isum − dmin·y·summs}, d and dmin of rows 0-15 and 16-31 from their halves' bits
     * (exact), isum and summs from acc as {@link #tile} left them.
     */
    private static void finish(MemorySegment w, long p, int[] acc, float[] ys, int yi, float[] c, int co, int ldc) {
        FloatVector unbias = FloatVector.broadcast(F, PackedGroups.HALF_BIAS);
        for (int h = 0; h < 2; h++) {
            FloatVector d = ((IntVector) ShortVector.fromMemorySegment(S16, w, p + Q4_KGroups.D + 32L * h, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(unbias);
            FloatVector dmin = ((IntVector) ShortVector.fromMemorySegment(S16, w, p + Q4_KGroups.DMIN + 32L * h, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(unbias);
            for (int m = 0; m < MR; m++) {
                FloatVector y = FloatVector.broadcast(F, ys[yi + m]);
                FloatVector isum = (FloatVector) IntVector.fromArray(I, acc, (4 * m + h) * 16).convert(VectorOperators.I2F, 0);
                FloatVector summs = (FloatVector) IntVector.fromArray(I, acc, (4 * m + 2 + h) * 16).convert(VectorOperators.I2F, 0);
                int o = co + m * ldc + 16 * h;
                FloatVector.fromArray(F, c, o).add(d.mul(y).mul(isum).sub(dmin.mul(y).mul(summs))).intoArray(c, o);
            }
        }
    }
}
