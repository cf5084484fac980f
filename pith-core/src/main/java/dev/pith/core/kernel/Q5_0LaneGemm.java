package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Bytes;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.pith.core.kernel.DotVector.F;
import static dev.pith.core.kernel.DotVector.I;
import static dev.pith.core.kernel.LaneBands.LE;
import static dev.pith.core.kernel.LaneBands.B256;
import static dev.pith.core.kernel.LaneBands.S32;
import static dev.pith.core.kernel.LaneBands.I16;

/**
 * Q5_0 prompt products (many Q8_0 activation vectors) with the 32 rows of a group in 16-bit lanes, as
 * {@link Q4_0LaneGemm} does for Q4_0, on a prompt-only copy of the tensor made at its first prompt.
 * Q5_0 is what a Q4_K_M file holds for rows that are not whole 256-value super-blocks (smollm2-135m's
 * 576-wide matrices: most of its multiply-adds), whose prompts ran {@link BlockTile} on panels decoded
 * from the file at every product.
 *
 * <p>The copy, per group of 32 rows and 32-column block: the rows' scales as floats (widened once,
 * exactly), then per column 32 signed bytes (each row's value q − 16). A block's Σ(q − 16)·x can reach
 * 16·127·32 = 65,024, past a short, so columns 0-15 and 16-31 are summed in two short accumulators
 * (each at most 32,512) and added in 32-bit lanes; then, as {@link BlockTile}, {@code c = fma(sum,
 * d_w·d_x, c)} per block in column order from zero: the same bits ({@link PackedGemm#referenceBlocks}
 * is the twin, {@code Q5_0LaneGemmTest}). Generation keeps reading the file's rows (the copy is for
 * prompts; it costs 1.6 times the tensor's bytes). {@code -Dpith.matmul.lanes=off} turns it off.
 */
final class Q5_0LaneGemm {
    static final int MR = 4;
    private static final int G = PackedGroups.G;
    /** Bytes of a group's block in the copy: 32 float scales, then 32 columns of 32 bytes. */
    private static final int SCALES = 4 * G, GROUP_BLOCK = SCALES + 32 * G;
    /** Blocks per slice: a band's slice is 16 tiles · 4 vectors · 1,024 columns · 4 bytes = 256 KiB (L2). */
    private static final int KB = 32;
    private static final Object NONE = new Object();

    private Q5_0LaneGemm() {}

    /** The prompt copy of w's whole groups (made now if this is its first prompt), or null (fewer than 32 rows). */
    static MemorySegment copy(Tensor w) {
        Object c = w.derived(Q5_0LaneGemm::make);
        return c instanceof MemorySegment m ? m : null;
    }

    private static Object make(Tensor w) {
        int groups = w.rows() / G, blocks = w.cols() / 32;
        if (w.type() != DType.Q5_0 || groups == 0) return NONE;
        MemorySegment src = w.data(), dst = Arena.ofAuto().allocate((long) groups * blocks * GROUP_BLOCK, 64);
        long rowBytes = w.rowBytes();
        Parallel.forRange(groups, 1, (from, to) -> {
            byte[] out = new byte[GROUP_BLOCK];
            for (int g = from; g < to; g++) {
                for (int b = 0; b < blocks; b++) {
                    for (int i = 0; i < G; i++) {
                        long p = (long) (G * g + i) * rowBytes + 22L * b;
                        int bits = Float.floatToRawIntBits(Bytes.f16(src, p));
                        for (int j = 0; j < 4; j++) out[4 * i + j] = (byte) (bits >>> (8 * j));
                        int qh = src.get(PackedGemm.I32_LAYOUT, p + 2);
                        for (int k = 0; k < 32; k++) out[SCALES + G * k + i] = (byte) PackedGemm.q5_0(src, p, qh, k);
                    }
                    MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, ((long) g * blocks + b) * GROUP_BLOCK, GROUP_BLOCK);
                }
            }
        });
        return dst;
    }

    /** out[t·rows + r] for the rows of the copy's {@code groups} groups and every vector t of a, with {@link BlockTile}'s bits. */
    static void run(MemorySegment copy, int groups, int rows, int cols, Activations a, int n, float[] out) {
        int nb = cols / 32;
        LaneBands.run(a, n, cols, MR, 32, groups, (band, g0, g1, tile0, tile1) -> LaneBands.products(band, g0, g1, rows, n, MR, nb, KB, tile0, tile1, out,
                (bd, g, j, b0, b1, c, co, ldc, load) -> tile(copy, (long) g * nb * GROUP_BLOCK, b0, b1, bd.quants, j * MR * cols,
                        bd.scales, j * MR * nb, c, co, ldc, load)));
    }

    /**
     * The register tile: the group at gOff × MR vectors, blocks [b0, b1). Vector m's quant in column k at
     * q[xo + k·MR + m], its block b scale at ds[so + b·MR + m]. c[co + m·ldc + i] (+)= row i's result.
     * Flat, no helpers (see {@link Q4_KLaneGemm}).
     */
    static void tile(MemorySegment w, long gOff, int b0, int b1, int[] q, int xo, float[] ds, int so,
                     float[] c, int co, int ldc, boolean load) {
        FloatVector z = FloatVector.zero(F);
        int o0 = co + 0 * ldc;
        FloatVector c00 = load ? FloatVector.fromArray(F, c, o0) : z, c01 = load ? FloatVector.fromArray(F, c, o0 + 16) : z;
        int o1 = co + 1 * ldc;
        FloatVector c10 = load ? FloatVector.fromArray(F, c, o1) : z, c11 = load ? FloatVector.fromArray(F, c, o1 + 16) : z;
        int o2 = co + 2 * ldc;
        FloatVector c20 = load ? FloatVector.fromArray(F, c, o2) : z, c21 = load ? FloatVector.fromArray(F, c, o2 + 16) : z;
        int o3 = co + 3 * ldc;
        FloatVector c30 = load ? FloatVector.fromArray(F, c, o3) : z, c31 = load ? FloatVector.fromArray(F, c, o3 + 16) : z;
        for (int b = b0; b < b1; b++) {
            long p = gOff + (long) GROUP_BLOCK * b, lines = p + SCALES;
            int x = xo + 32 * b * MR;
            ShortVector zs = ShortVector.zero(S32);
            ShortVector f0 = zs, s0 = zs, f1 = zs, s1 = zs, f2 = zs, s2 = zs, f3 = zs, s3 = zs;
            for (int k = 0; k < 16; k++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B256, w, lines + (long) G * k, LE).convertShape(VectorOperators.B2S, S32, 0);
                ShortVector u = (ShortVector) ByteVector.fromMemorySegment(B256, w, lines + (long) G * (k + 16), LE).convertShape(VectorOperators.B2S, S32, 0);
                int xk = x + k * MR, xu = xk + 16 * MR;
                f0 = f0.add(v.mul(IntVector.broadcast(I16, q[xk + 0]).reinterpretAsShorts())); s0 = s0.add(u.mul(IntVector.broadcast(I16, q[xu + 0]).reinterpretAsShorts()));
                f1 = f1.add(v.mul(IntVector.broadcast(I16, q[xk + 1]).reinterpretAsShorts())); s1 = s1.add(u.mul(IntVector.broadcast(I16, q[xu + 1]).reinterpretAsShorts()));
                f2 = f2.add(v.mul(IntVector.broadcast(I16, q[xk + 2]).reinterpretAsShorts())); s2 = s2.add(u.mul(IntVector.broadcast(I16, q[xu + 2]).reinterpretAsShorts()));
                f3 = f3.add(v.mul(IntVector.broadcast(I16, q[xk + 3]).reinterpretAsShorts())); s3 = s3.add(u.mul(IntVector.broadcast(I16, q[xu + 3]).reinterpretAsShorts()));
            }
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, p, LE), w1 = FloatVector.fromMemorySegment(F, w, p + 64, LE);
            int s = so + b * MR;
            float d;
            d = ds[s + 0];
            c00 = ((FloatVector) ((IntVector) f0.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) s0.convertShape(VectorOperators.S2I, I, 0)).convert(VectorOperators.I2F, 0)).fma(w0.mul(d), c00);
            c01 = ((FloatVector) ((IntVector) f0.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) s0.convertShape(VectorOperators.S2I, I, 1)).convert(VectorOperators.I2F, 0)).fma(w1.mul(d), c01);
            d = ds[s + 1];
            c10 = ((FloatVector) ((IntVector) f1.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) s1.convertShape(VectorOperators.S2I, I, 0)).convert(VectorOperators.I2F, 0)).fma(w0.mul(d), c10);
            c11 = ((FloatVector) ((IntVector) f1.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) s1.convertShape(VectorOperators.S2I, I, 1)).convert(VectorOperators.I2F, 0)).fma(w1.mul(d), c11);
            d = ds[s + 2];
            c20 = ((FloatVector) ((IntVector) f2.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) s2.convertShape(VectorOperators.S2I, I, 0)).convert(VectorOperators.I2F, 0)).fma(w0.mul(d), c20);
            c21 = ((FloatVector) ((IntVector) f2.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) s2.convertShape(VectorOperators.S2I, I, 1)).convert(VectorOperators.I2F, 0)).fma(w1.mul(d), c21);
            d = ds[s + 3];
            c30 = ((FloatVector) ((IntVector) f3.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) s3.convertShape(VectorOperators.S2I, I, 0)).convert(VectorOperators.I2F, 0)).fma(w0.mul(d), c30);
            c31 = ((FloatVector) ((IntVector) f3.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) s3.convertShape(VectorOperators.S2I, I, 1)).convert(VectorOperators.I2F, 0)).fma(w1.mul(d), c31);
        }
        c00.intoArray(c, o0); c01.intoArray(c, o0 + 16);
        c10.intoArray(c, o1); c11.intoArray(c, o1 + 16);
        c20.intoArray(c, o2); c21.intoArray(c, o2 + 16);
        c30.intoArray(c, o3); c31.intoArray(c, o3 + 16);
    }
}
