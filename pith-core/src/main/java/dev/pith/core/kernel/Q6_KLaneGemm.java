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
import static dev.pith.core.kernel.LaneBands.B256;
import static dev.pith.core.kernel.LaneBands.S16;
import static dev.pith.core.kernel.LaneBands.S32;
import static dev.pith.core.kernel.LaneBands.I16;

/**
 * A Q6_K prompt product (many Q8_K activation vectors) on the packed copy ({@link Q6_KGroups}), the
 * 32 rows of a group in 16-bit lanes as {@link Q4_0LaneGemm} does for Q4_0 (see there and
 * {@link LaneBands}), with the bits of the scalar reference {@link DotScalar#q6_K}, which generation
 * computes on the same copy.
 *
 * <p>A column of the copy is 32 signed bytes (each row's q − 32), widened to one 32-lane short vector;
 * per vector a column step is one 512-bit multiply by the broadcast quant and one add. A 16-column
 * sub-block's Σ(q − 32)·x can reach 65,024, so each half of 8 columns is summed in shorts (at most
 * 32,512) and widened into 32-bit lanes, where the halves are added and multiplied by the rows' int8
 * scales into the super-block's exact {@code isum}; at the super-block end each row adds
 * {@code d·y·isum} to its total, super-blocks in column order from zero: the reference's integers and
 * float operations. Tile: MR = 4 vectors × 32 rows, written flat (see {@link Q4_KLaneGemm}). Rows past
 * the last whole group go through the reference. {@code -Dpith.matmul.lanes=off} sends Q6_K prompts
 * back to {@link KQuantGemm}.
 */
final class Q6_KLaneGemm {
    static final int MR = 4;
    private static final int G = PackedGroups.G, QK = 256;
    private static final int GROUP_BLOCK = Q6_KGroups.GROUP_BLOCK;
    /** The copy's sub-block stride and where a sub-block's scales sit in it, as constants: calls to
     *  Q6_KGroups' helpers inside the tile were left out of line (NodeCountInliningCutoff), and a call
     *  makes C2 spill every live vector around it. */
    private static final int SUB = Q6_KGroups.quants(16), SCALES = Q6_KGroups.scales(0);
    /** Super-blocks per slice: a band's slice is 16 tiles · 4 vectors · 1,024 columns · 4 bytes = 256 KiB (L2). */
    private static final int KB = 4;

    private Q6_KLaneGemm() {}

    /**
     * out[t·rows + r] = {@link DotScalar#q6_K} of row r and vector t, bit for bit: the copy's whole
     * groups in lanes, the other rows by the reference.
     */
    static void run(MemorySegment w, long rowBytes, MemorySegment packed, int rows, int cols, Activations a, int n, float[] out) {
        int groups = rows / G;
        int nsb = cols / QK;
        LaneBands.run(a, n, cols, MR, QK, groups, (band, g0, g1, tile0, tile1) -> LaneBands.products(band, g0, g1, rows, n, MR, nsb, KB, tile0, tile1, out,
                (bd, g, j, b0, b1, c, co, ldc, load) -> superBlocks(packed, (long) g * nsb * GROUP_BLOCK, b0, b1, bd.quants, j * MR * cols,
                        bd.scales, j * MR * nsb, c, co, ldc, load, bd.acc)));
        for (int r = groups * G; r < rows; r++) {
            for (int t = 0; t < n; t++) out[t * rows + r] = DotScalar.q6_K(w, r * rowBytes, a, t * cols, cols);
        }
    }

    /** Super-blocks [sb0, sb1) of the group at gOff × one tile: c (+)= their parts ({@code load}: add to c, else start at zero). */
    private static void superBlocks(MemorySegment w, long gOff, int sb0, int sb1, int[] q, int xo, float[] ys, int yo,
                                    float[] c, int co, int ldc, boolean load, int[] acc) {
        if (!load) for (int m = 0; m < MR; m++) java.util.Arrays.fill(c, co + m * ldc, co + m * ldc + G, 0f);
        for (int sb = sb0; sb < sb1; sb++) {
            long p = gOff + (long) GROUP_BLOCK * sb;
            tile(w, p, q, xo + QK * sb * MR, acc);
            finish(w, p, acc, ys, yo + sb * MR, c, co, ldc);
        }
    }

    /**
     * The register tile: one super-block (at p) of a group × MR vectors. Vector m's quant in column k of
     * the super-block at q[x + k·MR + m], its isum of rows
     * 0-15 and 16-31 to acc[32·m ..].
     * Flat, no helpers, and one super-block per call: a call that loops long gets compiled on-stack
     * (OSR) with its live vectors boxed, which slowed whole prompts 4-fold in some runs.
     */
    static void tile(MemorySegment w, long p, int[] q, int x, int[] acc) {
        IntVector zi = IntVector.zero(I);
        IntVector i00 = zi, i01 = zi, i10 = zi, i11 = zi, i20 = zi, i21 = zi, i30 = zi, i31 = zi;
        for (int sub = 0; sub < 16; sub++) {
            long lines = p + (long) SUB * sub, sc = lines + SCALES;
            IntVector sc0 = (IntVector) ByteVector.fromMemorySegment(B128, w, sc, LE).convertShape(VectorOperators.B2I, I, 0);
            IntVector sc1 = (IntVector) ByteVector.fromMemorySegment(B128, w, sc + 16, LE).convertShape(VectorOperators.B2I, I, 0);
            // Each half of 8 columns in shorts (≤ 32,512), then widened and scaled: scale·(first + second)
            // = scale·first + scale·second in exact integers, so no vector is carried from one half to the next.
            for (int half = 0; half < 2; half++) {
                ShortVector zs = ShortVector.zero(S32);
                ShortVector a0 = zs, a1 = zs, a2 = zs, a3 = zs;
                for (int k = 8 * half; k < 8 * half + 8; k++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B256, w, lines + (long) G * k, LE).convertShape(VectorOperators.B2S, S32, 0);
                    int xk = x + (16 * sub + k) * MR;
                    a0 = a0.add(v.mul(IntVector.broadcast(I16, q[xk + 0]).reinterpretAsShorts()));
                    a1 = a1.add(v.mul(IntVector.broadcast(I16, q[xk + 1]).reinterpretAsShorts()));
                    a2 = a2.add(v.mul(IntVector.broadcast(I16, q[xk + 2]).reinterpretAsShorts()));
                    a3 = a3.add(v.mul(IntVector.broadcast(I16, q[xk + 3]).reinterpretAsShorts()));
                }
                i00 = i00.add(((IntVector) a0.convertShape(VectorOperators.S2I, I, 0)).mul(sc0));
                i01 = i01.add(((IntVector) a0.convertShape(VectorOperators.S2I, I, 1)).mul(sc1));
                i10 = i10.add(((IntVector) a1.convertShape(VectorOperators.S2I, I, 0)).mul(sc0));
                i11 = i11.add(((IntVector) a1.convertShape(VectorOperators.S2I, I, 1)).mul(sc1));
                i20 = i20.add(((IntVector) a2.convertShape(VectorOperators.S2I, I, 0)).mul(sc0));
                i21 = i21.add(((IntVector) a2.convertShape(VectorOperators.S2I, I, 1)).mul(sc1));
                i30 = i30.add(((IntVector) a3.convertShape(VectorOperators.S2I, I, 0)).mul(sc0));
                i31 = i31.add(((IntVector) a3.convertShape(VectorOperators.S2I, I, 1)).mul(sc1));
            }
        }
        // The float part in its own method (finish), as in Q4_KLaneGemm: a smaller tile that C2 compiles whole.
        i00.intoArray(acc, 0); i01.intoArray(acc, 16);
        i10.intoArray(acc, 32); i11.intoArray(acc, 48);
        i20.intoArray(acc, 64); i21.intoArray(acc, 80);
        i30.intoArray(acc, 96); i31.intoArray(acc, 112);
    }

    /** The super-block's float part: per row the reference's {@code sumf += d·y·isum}, d from its halves' bits (exact). */
    private static void finish(MemorySegment w, long p, int[] acc, float[] ys, int yi, float[] c, int co, int ldc) {
        FloatVector unbias = FloatVector.broadcast(F, PackedGroups.HALF_BIAS);
        for (int h = 0; h < 2; h++) {
            FloatVector d = ((IntVector) ShortVector.fromMemorySegment(S16, w, p + Q6_KGroups.D + 32L * h, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(unbias);
            for (int m = 0; m < MR; m++) {
                FloatVector y = FloatVector.broadcast(F, ys[yi + m]);
                FloatVector isum = (FloatVector) IntVector.fromArray(I, acc, (2 * m + h) * 16).convert(VectorOperators.I2F, 0);
                int o = co + m * ldc + 16 * h;
                FloatVector.fromArray(F, c, o).add(d.mul(y).mul(isum)).intoArray(c, o);
            }
        }
    }
}
