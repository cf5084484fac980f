package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.quant.Bytes;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.pith.core.kernel.DotVector.F;
import static dev.pith.core.kernel.DotVector.I;

/**
 * Generation's Q4_0 product (one activation vector) on a repacked copy of the rows, with rows in
 * the vector lanes and 16-bit integer arithmetic: about twice the speed of {@link DotVector#q4_0},
 * and the bits of the scalar reference {@link DotScalar#q4_0}.
 *
 * <p>Why: the row kernel widens nibbles to float lanes (table permutes) and multiplies there, seven
 * 512-bit operations per 32 values, all on the two pipes that also do the FMAs (on Zen 4 each is two
 * issues). ggml multiplies bytes with {@code vpdpbusd}, which the Vector API does not have. Here a
 * group of 32 rows is laid out column-major within each 32-column block, so one 16-byte load holds
 * one column of all 32 rows: widened to 16 short lanes (rows 0-15 in the low nibbles, rows 16-31
 * in the high ones), each half is multiplied by the column's broadcast activation quant and added,
 * and a block's integer sums build up in the lanes with no horizontal sum at all. Integer shifts,
 * masks, adds and 16-bit multiplies spread over all four vector pipes. Cache-resident probe on an
 * AMD EPYC (Zen 4), one thread, 2048 columns: 9.0 → 18.5-18.9 GB/s of Q4_0 bytes; from DRAM 9.0 → 20.8.
 *
 * <p>Exactness: a block's sum Σ(q−8)·x has |sum| ≤ 8·127·32 = 32,512, so it fits a short. The low
 * nibbles are stored as q (0..15) to save the subtraction, which makes the lane's running sum
 * Σq·x overflow a short; 16-bit adds wrap modulo 2^16, so starting the lane at −8·Σx (the block's
 * offset, from {@link Activations#q4Offsets}) ends it at Σ(q−8)·x mod 2^16, which is the true sum
 * because that fits. The high nibbles are stored as q−8 directly (a signed high nibble: an
 * arithmetic shift recovers it). Each row then adds {@code sum · d_w · d_x} to its float total in
 * block order, exactly the operations of {@link DotScalar#q4_0}; d_w is widened from its half by
 * moving the bits (sign-extend, shift, mask: the half's value times 2^-112, exact for subnormal
 * halves too) and multiplying by 2^112 (exact). A tensor with an infinite or NaN scale is not packed
 * (the bit move would make it finite); it keeps the row kernel.
 *
 * <p>{@code -Dpith.decode.q4_0=rows} turns it off to compare; {@link PackedGroups} makes and keeps the copy.
 */
final class Q4_0Groups extends PackedGroups {
    /** Bytes of one group's block: 32 fp16 scales, then 32 columns of 16 bytes. */
    private static final int GROUP_BLOCK = 18 * G;
    private static final int SCALES = 2 * G;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    /** 16 short lanes: DotVector's S where floats have 16 lanes. */
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    /** S16's shape in ints: a quant held twice per int ({@link Activations#doubledQuants}) broadcast as 16 shorts. */
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;

    static final Q4_0Groups KIND = new Q4_0Groups();
    /** Per packing thread: a block's 16 × 32 packed bytes before the transpose. */
    private static final ThreadLocal<byte[]> TRANSPOSE = ThreadLocal.withInitial(() -> new byte[512]);

    private Q4_0Groups() {
        super(DType.Q4_0, GROUP_BLOCK, "pith.decode.q4_0", 0);
    }

    @Override
    void prepare(Activations a) {
        a.q4Offsets();
        a.doubledQuants();
    }

    @Override
    void groups(MemorySegment packed, int g0, int g1, Activations a, int n, int rows, int cols, float[] out) {
        int nb = cols / 32;
        short[] offsets = a.q4Offsets();
        int[] q2 = a.doubledQuants();
        // A short batch runs vector by vector over each group: the group's rows (nb · 576 bytes) come
        // from memory for the first vector and from L2 for the others.
        for (int g = g0; g < g1; g++) {
            for (int t = 0; t < n; t++) group(packed, (long) g * nb * GROUP_BLOCK, q2, t * cols, a.d, offsets, t * nb, nb, out, t * rows + g * G);
        }
    }

    @Override
    void panelBlock(MemorySegment w, int g, int block, int blocks, float[] dst, int o, float[] dw, int dwo) {
        long p = ((long) g * blocks + block) * GROUP_BLOCK;
        for (int k = 0; k < 32; k++) {
            // Sign-extended bytes: rows 0-15 from the low nibble (q, centred here), rows 16-31 from the signed high nibble (q − 8).
            IntVector v = (IntVector) ByteVector.fromMemorySegment(B128, w, p + SCALES + 16L * k, LE).convertShape(VectorOperators.B2I, I, 0);
            ((FloatVector) v.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).intoArray(dst, o + G * k);
            ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).convert(VectorOperators.I2F, 0)).intoArray(dst, o + G * k + 16);
        }
        for (int i = 0; i < G; i++) dw[dwo + i] = Bytes.f16(w, p + 2L * i);
    }

    /** {@link #row}: the reference's bits from the file's rows, vectorised within each block. */
    @Override
    float reference(MemorySegment w, long off, Activations a, int xo, int cols) {
        return row(w, off, a, xo, cols / 32);
    }

    /**
     * One group of 32 rows, every block, against the vector whose quants (each held twice in an int)
     * start at xo and whose block scales and offsets start at db: rows to out[o .. o+31].
     */
    private static void group(MemorySegment w, long off, int[] q2, int xo, float[] dx, short[] offsets, int db, int nb, float[] out, int o) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        FloatVector unbias = FloatVector.broadcast(F, HALF_BIAS);
        for (int b = 0; b < nb; b++) {
            long p = off + (long) GROUP_BLOCK * b;
            long q = p + SCALES;
            int xb = xo + 32 * b;
            ShortVector lo = ShortVector.broadcast(S16, offsets[db + b]), hi = ShortVector.zero(S16);
            for (int k = 0; k < 32; k++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B128, w, q + 16L * k, LE).convertShape(VectorOperators.B2S, S16, 0);
                ShortVector xk = IntVector.broadcast(I8, q2[xb + k]).reinterpretAsShorts();
                lo = lo.add(v.and((short) 0xF).mul(xk));
                hi = hi.add(v.lanewise(VectorOperators.ASHR, 4).mul(xk));
            }
            FloatVector d = FloatVector.broadcast(F, dx[db + b]);
            acc0 = acc0.add(((FloatVector) lo.convertShape(VectorOperators.S2F, F, 0)).mul(halves(w, p).mul(unbias)).mul(d));
            acc1 = acc1.add(((FloatVector) hi.convertShape(VectorOperators.S2F, F, 0)).mul(halves(w, p + 32).mul(unbias)).mul(d));
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + 16);
    }

    /** The 16 halves at p as floats times 2^-112: sign-extended, moved 13 places up, exponent/mantissa/sign kept. */
    private static FloatVector halves(MemorySegment w, long p) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S16, w, p, LE).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats();
    }

    /**
     * One row from the original bytes with {@link DotScalar#q4_0}'s bits (for rows outside whole
     * groups): each block's products summed in float lanes (exact integers), the lanes summed
     * (exact), then {@code sumf += sum · d_w · d_x}.
     */
    static float row(MemorySegment w, long off, Activations a, int xo, int nb) {
        float[] x = a.values;
        float sumf = 0;
        for (int b = 0; b < nb; b++) {
            long p = off + 18L * b;
            int xb = xo + 32 * b;
            IntVector q = (IntVector) ByteVector.fromMemorySegment(B128, w, p + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            FloatVector lo = q.selectFrom(DotVector.NIBBLE_MINUS_8).reinterpretAsFloats();
            FloatVector hi = q.lanewise(VectorOperators.LSHR, 4).selectFrom(DotVector.NIBBLE_MINUS_8).reinterpretAsFloats();
            float sum = hi.fma(FloatVector.fromArray(F, x, xb + 16), lo.mul(FloatVector.fromArray(F, x, xb))).reduceLanes(VectorOperators.ADD);
            sumf += (int) sum * Bytes.f16(w, p) * a.d[xb / 32];
        }
        return sumf;
    }

    /**
     * One group's block: the 32 rows' scales, then per column k the 16 bytes
     * {@code q(i, k) | (q(16+i, k) − 8) << 4}.
     */
    @Override
    void packBlock(byte[] in, int base, int stride, byte[] out, int o) {
        for (int i = 0; i < G; i++) {
            out[o + 2 * i] = in[base + stride * i];
            out[o + 2 * i + 1] = in[base + stride * i + 1];
        }
        // Byte j of a row holds columns j (low nibble) and 16 + j (high nibble): rows i and 16 + i make their
        // 32 packed bytes side by side (row i of the 16 × 32 matrix t), transposed into the lines.
        byte[] t = TRANSPOSE.get();
        for (int i = 0; i < 16; i++) {
            int a = base + stride * i + 2, b = base + stride * (16 + i) + 2;
            for (int w = 0; w < 16; w += 8) {
                long x = PackBytes.get(in, a + w), y = PackBytes.get(in, b + w);
                PackBytes.set(t, 32 * i + w, PackBytes.lowNibbles(x, y));
                PackBytes.set(t, 32 * i + 16 + w, PackBytes.highNibbles(x, y));
            }
        }
        PackBytes.transpose(t, 0, 32, 16, 32, out, o + SCALES, 16);
    }
}
