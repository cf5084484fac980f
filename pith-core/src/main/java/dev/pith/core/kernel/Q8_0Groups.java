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
 * Generation's Q8_0 product on a repacked copy of the rows, rows in the vector lanes as in
 * {@link Q4_0Groups} (see there and {@link PackedGroups} for why), with the bits of the scalar
 * reference {@link DotScalar#q8_0}.
 *
 * <p>Layout of a group of 32 rows, per 32-column block ({@link #GROUP_BLOCK} bytes, the file's size):
 * per column the 32 rows' int8 quants, then the 32 rows' fp16 scales (read after the quants: the
 * layout is read strictly forwards, for the prefetcher).
 *
 * <p>Exactness: a product of two int8 quants is at most 128·127 = 16,256 in magnitude, so two
 * columns' products summed in 16-bit lanes fit (32,512); each pair is widened to 32-bit lanes and
 * added there, giving the block's exact integer sum per row. Then per row the reference's float
 * operations, {@code sumf += sumi · (d_w · d_x)}. Against the row kernel this drops the per-block
 * scalar scale (a half widened, multiplied and broadcast for every row and block: a quarter of that
 * kernel's time, session 11) and the byte → float widening of every value.
 */
final class Q8_0Groups extends PackedGroups {
    /** Bytes of one group's block: 32 columns of 32 quants, then 32 fp16 scales. */
    private static final int GROUP_BLOCK = 34 * G;
    private static final int SCALES = 32 * G;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Short> S32 = ShortVector.SPECIES_512;

    static final Q8_0Groups KIND = new Q8_0Groups();

    private Q8_0Groups() {
        super(DType.Q8_0, GROUP_BLOCK, "pith.decode.q8_0", 0);
    }

    /** Where column k's 32 quants and the 32 scales sit in a group's block. */
    static int quants(int k) { return G * k; }
    static int scales() { return SCALES; }

    @Override
    void groups(MemorySegment packed, int g0, int g1, Activations a, int n, int rows, int cols, float[] out) {
        int nb = cols / 32;
        // A short batch runs vector by vector over each group: the group's rows (nb · 1,088 bytes)
        // come from memory for the first vector and from L2 for the others.
        for (int g = g0; g < g1; g++) {
            for (int t = 0; t < n; t++) group(packed, (long) g * nb * GROUP_BLOCK, a.qs, t * cols, a.d, t * nb, nb, out, t * rows + g * G);
        }
    }

    /** One group of 32 rows, every block, against the vector whose quants start at xo and scales at db: rows to out[o .. o+31]. */
    private static void group(MemorySegment w, long off, byte[] qs, int xo, float[] dx, int db, int nb, float[] out, int o) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        FloatVector unbias = FloatVector.broadcast(F, HALF_BIAS);
        for (int b = 0; b < nb; b++) {
            long p = off + (long) GROUP_BLOCK * b;
            int xb = xo + 32 * b;
            IntVector s0 = IntVector.zero(I), s1 = s0;
            for (int k = 0; k < 32; k += 2) {
                ShortVector v0 = (ShortVector) ByteVector.fromMemorySegment(B256, w, p + (long) G * k, LE).convertShape(VectorOperators.B2S, S32, 0);
                ShortVector v1 = (ShortVector) ByteVector.fromMemorySegment(B256, w, p + (long) G * (k + 1), LE).convertShape(VectorOperators.B2S, S32, 0);
                ShortVector pair = v0.mul((short) qs[xb + k]).add(v1.mul((short) qs[xb + k + 1]));
                s0 = s0.add((IntVector) pair.convertShape(VectorOperators.S2I, I, 0));
                s1 = s1.add((IntVector) pair.convertShape(VectorOperators.S2I, I, 1));
            }
            // d_w from its half (bits moved into float position: the value times 2^-112, exact), times d_x, as the reference groups it.
            FloatVector d = FloatVector.broadcast(F, dx[db + b]);
            IntVector h0 = (IntVector) ShortVector.fromMemorySegment(S16, w, p + SCALES, LE).convertShape(VectorOperators.S2I, I, 0);
            IntVector h1 = (IntVector) ShortVector.fromMemorySegment(S16, w, p + SCALES + 32, LE).convertShape(VectorOperators.S2I, I, 0);
            FloatVector dw0 = h0.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(unbias);
            FloatVector dw1 = h1.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(unbias);
            acc0 = acc0.add(((FloatVector) s0.convert(VectorOperators.I2F, 0)).mul(dw0.mul(d)));
            acc1 = acc1.add(((FloatVector) s1.convert(VectorOperators.I2F, 0)).mul(dw1.mul(d)));
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + 16);
    }

    /**
     * The reference's bits from the file's rows (rows outside whole groups), vectorised within each
     * block: the products summed in float lanes (exact integers), the lanes summed (exact), then
     * {@code sumf += sumi · (d_w · d_x)}.
     */
    @Override
    float reference(MemorySegment w, long off, Activations a, int xo, int cols) {
        float[] x = a.values;
        float sumf = 0;
        for (int b = 0; b < cols / 32; b++) {
            long p = off + 34L * b;
            int xb = xo + 32 * b;
            FloatVector lo = DotVector.toFloat(ByteVector.fromMemorySegment(B128, w, p + 2, LE)).mul(FloatVector.fromArray(F, x, xb));
            float sum = DotVector.toFloat(ByteVector.fromMemorySegment(B128, w, p + 18, LE)).fma(FloatVector.fromArray(F, x, xb + 16), lo)
                    .reduceLanes(VectorOperators.ADD);
            sumf += (int) sum * (Bytes.f16(w, p) * a.d[xb / 32]);
        }
        return sumf;
    }

    @Override
    void panelBlock(MemorySegment w, int g, int block, int blocks, float[] dst, int o, float[] dw, int dwo) {
        long p = ((long) g * blocks + block) * GROUP_BLOCK;
        for (int k = 0; k < 32; k++) {
            DotVector.toFloat(ByteVector.fromMemorySegment(B128, w, p + (long) G * k, LE)).intoArray(dst, o + G * k);
            DotVector.toFloat(ByteVector.fromMemorySegment(B128, w, p + (long) G * k + 16, LE)).intoArray(dst, o + G * k + 16);
        }
        for (int i = 0; i < G; i++) dw[dwo + i] = Bytes.f16(w, p + SCALES + 2L * i);
    }

    /** One group's block: per column k the 32 rows' quants, then the 32 scales. */
    @Override
    void packBlock(byte[] in, int base, int stride, byte[] out, int o) {
        for (int i = 0; i < G; i++) {
            int r = base + stride * i;
            out[o + SCALES + 2 * i] = in[r];
            out[o + SCALES + 2 * i + 1] = in[r + 1];
        }
        // The quants are a plain 32 × 32 byte transpose: row i's column k to line k, byte i.
        PackBytes.transpose(in, base + 2, stride, G, 32, out, o, G);
    }
}
