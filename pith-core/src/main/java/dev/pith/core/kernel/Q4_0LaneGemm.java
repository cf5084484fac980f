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
 * A Q4_0 prompt product (many activation vectors) on the packed copy ({@link Q4_0Groups}), with the
 * 32 rows of a group in 16-bit lanes: the numerics of {@link BlockTile}, bit for bit, at about 1.6
 * times its speed on one core.
 *
 * <p>Why: {@link BlockTile} multiplies the quants as floats, 16 multiply-adds per 512-bit FMA, and on
 * Zen 4 a 512-bit FMA takes both FMA pipes' 256-bit halves. ggml's int8 dot product ({@code vpdpbusd})
 * is not in the Vector API. But a column of a packed group is one 16-byte line holding that column of
 * all 32 rows (rows 0-15 in the low nibbles, rows 16-31 as signed high nibbles), so a column step for
 * one activation vector is "multiply the widened line by the vector's quant in that column, add": two
 * 16-bit multiplies and two adds (256-bit) for 32 multiply-adds, spread over all four vector pipes, and
 * the widening of the line is shared by the MR = 6 vectors of the tile. The quant is broadcast from an
 * int that holds it twice ({@code (q & 0xFFFF) · 0x10001}): a 32-bit broadcast from memory is a load
 * alone ({@link LaneBands}).
 *
 * <p>Exactness: a block's sum Σ(q−8)·x fits a short (|·| ≤ 8·127·32, the activations' quants being
 * within ±127); the low lanes start at the block's offset −8·Σx so that
 * their wrapping 16-bit sum of q·x ends at it (as in {@link Q4_0Groups}). At the block end each sum,
 * converted to float (exact), is added by {@code c = fma(sum, d_w·d_x, c)}, blocks in column order, c
 * starting at zero: what {@link BlockTile} computes and {@link PackedGemm#referenceBlocks} twins in
 * scalar code. d_w comes from the copy's halves by moving bits (exact, the copy holds finite scales
 * only). Each output element is made by one task, so the thread count does not change the bits.
 *
 * <p>Loops: a task owns a band of vectors (its quants rearranged per tile of MR vectors, k-major, into
 * a per-thread buffer: {@link LaneBands}) and a range of groups; per block of KB quant blocks (an L2-sized slice of the
 * band) every group's tiles run, the 12 accumulators in registers across the slice.
 * {@code -Dpith.matmul.lanes=off} ({@link LaneBands#ENABLED}) sends Q4_0 prompts back to {@link BlockTile}, to compare.
 */
final class Q4_0LaneGemm {
    /** Activation vectors per register tile. */
    static final int MR = 6;
    private static final int G = PackedGroups.G;
    /** Bytes of a group's block in the copy: 32 fp16 scales, then 32 columns of 16 bytes. */
    private static final int GROUP_BLOCK = 18 * G, SCALES = 2 * G;
    /**
     * Quant blocks per slice (1,024 columns): a band's slice is 16 tiles · 6 vectors · 1,024 · 4 bytes = 384 KiB,
     * resident in a Zen 4 core's 1 MiB L2 while every group passes over it. MatMulBench, one thread, 2048 × 2048
     * and 2048 × 8192: 16 blocks 115/116, 32 blocks 116-118/118, 8 blocks 111/112, 128 blocks 107/102 GFLOP/s;
     * bands of 8 tiles 99, of 24 114-117.
     */
    private static final int KB = 32;

    private Q4_0LaneGemm() {}

    /**
     * out[t·rows + r] for the rows of the copy's first {@code groups} groups and every vector t of a
     * (Q8_0 quants, scales and Q4_0 offsets), with {@link BlockTile}'s bits.
     */
    static void run(MemorySegment packed, int groups, int rows, int cols, Activations a, int n, float[] out) {
        int nb = cols / 32;
        LaneBands.run(a, n, cols, MR, 32, groups, (band, g0, g1, tile0, tile1) -> LaneBands.products(band, g0, g1, rows, n, MR, nb, KB, tile0, tile1, out,
                (bd, g, j, b0, b1, c, co, ldc, load) -> tile(packed, (long) g * nb * GROUP_BLOCK, b0, b1, bd.quants, j * MR * cols,
                        bd.offsets, bd.scales, j * MR * nb, c, co, ldc, load)));
    }

    /**
     * The register tile: the group at gOff (32 rows) × MR vectors, quant blocks [b0, b1). Vector m's
     * quant in column k at q[xo + k·MR + m], its block b offset and scale at [so + b·MR + m]. c[co +
     * m·ldc + i] (+)= row i's result for vector m ({@code load}: add to what is there, else start at zero).
     * One flat method, so that C2 keeps every vector in a register.
     */
    static void tile(MemorySegment w, long gOff, int b0, int b1, int[] q, int xo, short[] offs, float[] ds, int so,
                     float[] c, int co, int ldc, boolean load) {
        FloatVector z = FloatVector.zero(F);
        int o0 = co, o1 = co + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc;
        FloatVector c00 = load ? FloatVector.fromArray(F, c, o0) : z, c01 = load ? FloatVector.fromArray(F, c, o0 + 16) : z;
        FloatVector c10 = load ? FloatVector.fromArray(F, c, o1) : z, c11 = load ? FloatVector.fromArray(F, c, o1 + 16) : z;
        FloatVector c20 = load ? FloatVector.fromArray(F, c, o2) : z, c21 = load ? FloatVector.fromArray(F, c, o2 + 16) : z;
        FloatVector c30 = load ? FloatVector.fromArray(F, c, o3) : z, c31 = load ? FloatVector.fromArray(F, c, o3 + 16) : z;
        FloatVector c40 = load ? FloatVector.fromArray(F, c, o4) : z, c41 = load ? FloatVector.fromArray(F, c, o4 + 16) : z;
        FloatVector c50 = load ? FloatVector.fromArray(F, c, o5) : z, c51 = load ? FloatVector.fromArray(F, c, o5 + 16) : z;
        FloatVector unbias = FloatVector.broadcast(F, PackedGroups.HALF_BIAS);
        for (int b = b0; b < b1; b++) {
            long p = gOff + (long) GROUP_BLOCK * b, lines = p + SCALES;
            int s = so + b * MR, x = xo + 32 * b * MR;
            ShortVector l0 = ShortVector.broadcast(S16, offs[s]), h0 = ShortVector.zero(S16);
            ShortVector l1 = ShortVector.broadcast(S16, offs[s + 1]), h1 = h0;
            ShortVector l2 = ShortVector.broadcast(S16, offs[s + 2]), h2 = h0;
            ShortVector l3 = ShortVector.broadcast(S16, offs[s + 3]), h3 = h0;
            ShortVector l4 = ShortVector.broadcast(S16, offs[s + 4]), h4 = h0;
            ShortVector l5 = ShortVector.broadcast(S16, offs[s + 5]), h5 = h0;
            for (int k = 0; k < 32; k++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B128, w, lines + 16L * k, LE).convertShape(VectorOperators.B2S, S16, 0);
                ShortVector lo = v.and((short) 0xF), hi = v.lanewise(VectorOperators.ASHR, 4);
                int xk = x + k * MR;
                ShortVector xm = IntVector.broadcast(I8, q[xk]).reinterpretAsShorts();
                l0 = l0.add(lo.mul(xm)); h0 = h0.add(hi.mul(xm));
                xm = IntVector.broadcast(I8, q[xk + 1]).reinterpretAsShorts();
                l1 = l1.add(lo.mul(xm)); h1 = h1.add(hi.mul(xm));
                xm = IntVector.broadcast(I8, q[xk + 2]).reinterpretAsShorts();
                l2 = l2.add(lo.mul(xm)); h2 = h2.add(hi.mul(xm));
                xm = IntVector.broadcast(I8, q[xk + 3]).reinterpretAsShorts();
                l3 = l3.add(lo.mul(xm)); h3 = h3.add(hi.mul(xm));
                xm = IntVector.broadcast(I8, q[xk + 4]).reinterpretAsShorts();
                l4 = l4.add(lo.mul(xm)); h4 = h4.add(hi.mul(xm));
                xm = IntVector.broadcast(I8, q[xk + 5]).reinterpretAsShorts();
                l5 = l5.add(lo.mul(xm)); h5 = h5.add(hi.mul(xm));
            }
            // d_w of rows 0-15 and 16-31 from the halves' bits (times 2^-112, then 2^112: exact).
            FloatVector w0 = ((IntVector) ShortVector.fromMemorySegment(S16, w, p, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(unbias);
            FloatVector w1 = ((IntVector) ShortVector.fromMemorySegment(S16, w, p + 32, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(unbias);
            float d = ds[s];
            c00 = ((FloatVector) l0.convertShape(VectorOperators.S2F, F, 0)).fma(w0.mul(d), c00);
            c01 = ((FloatVector) h0.convertShape(VectorOperators.S2F, F, 0)).fma(w1.mul(d), c01);
            d = ds[s + 1];
            c10 = ((FloatVector) l1.convertShape(VectorOperators.S2F, F, 0)).fma(w0.mul(d), c10);
            c11 = ((FloatVector) h1.convertShape(VectorOperators.S2F, F, 0)).fma(w1.mul(d), c11);
            d = ds[s + 2];
            c20 = ((FloatVector) l2.convertShape(VectorOperators.S2F, F, 0)).fma(w0.mul(d), c20);
            c21 = ((FloatVector) h2.convertShape(VectorOperators.S2F, F, 0)).fma(w1.mul(d), c21);
            d = ds[s + 3];
            c30 = ((FloatVector) l3.convertShape(VectorOperators.S2F, F, 0)).fma(w0.mul(d), c30);
            c31 = ((FloatVector) h3.convertShape(VectorOperators.S2F, F, 0)).fma(w1.mul(d), c31);
            d = ds[s + 4];
            c40 = ((FloatVector) l4.convertShape(VectorOperators.S2F, F, 0)).fma(w0.mul(d), c40);
            c41 = ((FloatVector) h4.convertShape(VectorOperators.S2F, F, 0)).fma(w1.mul(d), c41);
            d = ds[s + 5];
            c50 = ((FloatVector) l5.convertShape(VectorOperators.S2F, F, 0)).fma(w0.mul(d), c50);
            c51 = ((FloatVector) h5.convertShape(VectorOperators.S2F, F, 0)).fma(w1.mul(d), c51);
        }
        c00.intoArray(c, o0); c01.intoArray(c, o0 + 16);
        c10.intoArray(c, o1); c11.intoArray(c, o1 + 16);
        c20.intoArray(c, o2); c21.intoArray(c, o2 + 16);
        c30.intoArray(c, o3); c31.intoArray(c, o3 + 16);
        c40.intoArray(c, o4); c41.intoArray(c, o4 + 16);
        c50.intoArray(c, o5); c51.intoArray(c, o5 + 16);
    }
}
