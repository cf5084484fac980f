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
 * Generation's Q6_K product (one activation vector or a short batch) on a repacked copy of the rows,
 * rows in the vector lanes and 16-bit integer sums as in {@link Q4_0Groups} (see there for why), with
 * the bits of the scalar reference {@link DotScalar#q6_K}.
 *
 * <p>Layout of a group of 32 rows, per 256-column super-block ({@link #GROUP_BLOCK} bytes): per
 * 16-column sub-block, 32 bytes per column (each row's value q − 32 as a signed byte), then the 32
 * rows' int8 scales; after the 16 sub-blocks the rows' d (fp16). Read strictly forwards, as
 * {@link Q4_KGroups}' layout is, for the prefetcher. A byte per 6-bit value (274 bytes per row and
 * super-block against the file's 210, 30 % more) because rebuilding a value from a nibble and two
 * high bits costs about 2.4 times the vector operations of widening a byte: on a 2-core machine
 * the kernel is compute-bound long before it is bandwidth-bound.
 *
 * <p>Exactness: a 16-value sub-block's Σ(q − 32)·x reaches 32·127·16 = 65,024, past a short, so
 * each half of 8 columns is summed in 16-bit lanes (at most 32,512) and the halves are added in
 * 32-bit lanes; then per row and super-block, exactly the reference's integers and float
 * operations: {@code isum = Σ scale·isuml} (32-bit, exact), {@code sumf += d·y_d·isum}. A tensor
 * with an infinite or NaN d is not packed; it keeps the reference kernel.
 */
final class Q6_KGroups extends PackedGroups {
    /** Bytes of one 16-column sub-block's part of a group's super-block: 16 columns × 32 bytes, then 32 scales. */
    private static final int SUB = 16 * G + G;
    static final int D = 16 * SUB;
    /** Bytes of one group's super-block. */
    static final int GROUP_BLOCK = D + 2 * G;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Short> S32 = ShortVector.SPECIES_512;

    static final Q6_KGroups KIND = new Q6_KGroups();

    private Q6_KGroups() {
        super(DType.Q6_K, GROUP_BLOCK, "pith.decode.q6_K", 208);
    }

    /** Where column c's 32 bytes and sub-block sub's 32 scales sit in a group's super-block. */
    static int quants(int c) { return SUB * (c / 16) + G * (c % 16); }
    static int scales(int sub) { return SUB * sub + 16 * G; }

    @Override
    void superBlock(MemorySegment packed, long p, Activations a, int sb, float[] out, int o) {
        addSuperBlock(packed, p, a.qs, 256 * sb, a.d[sb], out, o);
    }

    @Override
    float reference(MemorySegment w, long off, Activations a, int xo, int cols) {
        return DotScalar.q6_K(w, off, a, xo, cols);
    }

    /**
     * One group's super-block at p against one vector's super-block (quants from xb, scale yd): adds
     * to out[o .. o+31]. Flat, without vector-returning helpers (see {@link Q4_KGroups}).
     */
    private static void addSuperBlock(MemorySegment w, long p, byte[] qs, int xb, float yd, float[] out, int o) {
        IntVector isum0 = IntVector.zero(I), isum1 = isum0;
        for (int sub = 0; sub < 16; sub++) {
            long q = p + (long) SUB * sub;
            int x0 = xb + 16 * sub;
            ShortVector first = ShortVector.zero(S32), second = first;
            for (int k = 0; k < 8; k++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B256, w, q + (long) G * k, LE).convertShape(VectorOperators.B2S, S32, 0);
                first = first.add(v.mul((short) qs[x0 + k]));
            }
            for (int k = 8; k < 16; k++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B256, w, q + (long) G * k, LE).convertShape(VectorOperators.B2S, S32, 0);
                second = second.add(v.mul((short) qs[x0 + k]));
            }
            IntVector s0 = ((IntVector) first.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) second.convertShape(VectorOperators.S2I, I, 0));
            IntVector s1 = ((IntVector) first.convertShape(VectorOperators.S2I, I, 1)).add((IntVector) second.convertShape(VectorOperators.S2I, I, 1));
            long sc = p + scales(sub);
            isum0 = isum0.add(s0.mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc, LE).convertShape(VectorOperators.B2I, I, 0)));
            isum1 = isum1.add(s1.mul((IntVector) ByteVector.fromMemorySegment(B128, w, sc + 16, LE).convertShape(VectorOperators.B2I, I, 0)));
        }
        // d from its halves (bits moved into float position: the value times 2^-112, exact), then
        // out += d·y·isum, lane by lane the reference's float operations.
        FloatVector unbias = FloatVector.broadcast(F, HALF_BIAS), y = FloatVector.broadcast(F, yd);
        for (int h = 0; h < 2; h++) {
            IntVector dBits = (IntVector) ShortVector.fromMemorySegment(S16, w, p + D + 32L * h, LE).convertShape(VectorOperators.S2I, I, 0);
            FloatVector d = dBits.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(unbias);
            IntVector isum = h == 0 ? isum0 : isum1;
            FloatVector.fromArray(F, out, o + 16 * h).add(d.mul(y).mul((FloatVector) isum.convert(VectorOperators.I2F, 0))).intoArray(out, o + 16 * h);
        }
    }

    /** A column's 32 bytes are its value for all 32 rows: each times its row's sub-block scale, two vector stores per panel column. */
    @Override
    void kQuantPanel(MemorySegment w, int g, int superBlocks, float[] panel, float[] d, float[] dmin, float[] mins) {
        for (int b = 0; b < superBlocks; b++) {
            long p = ((long) g * superBlocks + b) * GROUP_BLOCK;
            for (int sub = 0; sub < 16; sub++) {
                long sc = p + scales(sub);
                IntVector sc0 = (IntVector) ByteVector.fromMemorySegment(B128, w, sc, LE).convertShape(VectorOperators.B2I, I, 0);
                IntVector sc1 = (IntVector) ByteVector.fromMemorySegment(B128, w, sc + 16, LE).convertShape(VectorOperators.B2I, I, 0);
                for (int k = 0; k < 16; k++) {
                    int c = 16 * sub + k, at = G * (256 * b + KQuantGemm.position(c));
                    long q = p + quants(c);
                    IntVector v0 = (IntVector) ByteVector.fromMemorySegment(B128, w, q, LE).convertShape(VectorOperators.B2I, I, 0);
                    IntVector v1 = (IntVector) ByteVector.fromMemorySegment(B128, w, q + 16, LE).convertShape(VectorOperators.B2I, I, 0);
                    ((FloatVector) v0.mul(sc0).convert(VectorOperators.I2F, 0)).intoArray(panel, at);
                    ((FloatVector) v1.mul(sc1).convert(VectorOperators.I2F, 0)).intoArray(panel, at + 16);
                }
            }
            for (int i = 0; i < G; i++) d[G * b + i] = Bytes.f16(w, p + D + 2L * i);
        }
    }

    /** One group's super-block in the layout above. */
    @Override
    void packBlock(byte[] in, int base, int stride, byte[] out, int o) {
        for (int i = 0; i < G; i++) {
            int r = base + stride * i;
            out[o + D + 2 * i] = in[r + 208];
            out[o + D + 2 * i + 1] = in[r + 209];
            for (int g = 0; g < 16; g++) out[o + scales(g) + i] = in[r + 192 + g];
        }
        // ggml's order: per half h of 128 values and l < 32, ql[l] and ql[l+32] give the low nibbles of
        // values l, l+32 (low 4 bits) and l+64, l+96 (high 4 bits); qh[l] their top 2 bits. Each row's 128
        // values of a half are made side by side, eight bytes to a long (row-major 32 × 128 in t), then each
        // 16-column sub-block is transposed into its 16 column lines of 32 rows (PackBench: 0.63 → 2.0 GB/s).
        byte[] t = TRANSPOSE.get();
        for (int h = 0; h < 2; h++) {
            for (int i = 0; i < G; i++) {
                int r = base + stride * i, ql = r + 64 * h, qh = r + 128 + 32 * h, row = 128 * i;
                for (int w = 0; w < 32; w += 8) {
                    long a = PackBytes.get(in, ql + w), b = PackBytes.get(in, ql + 32 + w), hi = PackBytes.get(in, qh + w);
                    PackBytes.set(t, row + w, PackBytes.minus32((a & LOW) | (hi & TWO) << 4));
                    PackBytes.set(t, row + 32 + w, PackBytes.minus32((b & LOW) | ((hi >>> 2) & TWO) << 4));
                    PackBytes.set(t, row + 64 + w, PackBytes.minus32(((a >>> 4) & LOW) | ((hi >>> 4) & TWO) << 4));
                    PackBytes.set(t, row + 96 + w, PackBytes.minus32(((b >>> 4) & LOW) | ((hi >>> 6) & TWO) << 4));
                }
            }
            for (int k = 0; k < 8; k++) PackBytes.transpose(t, 16 * k, 128, G, 16, out, o + SUB * (8 * h + k), G);
        }
    }

    /** Per byte: the low nibble, the low two bits. */
    private static final long LOW = 0x0F0F0F0F0F0F0F0FL, TWO = 0x0303030303030303L;

    /** Per packing thread: one half super-block's values, 32 rows × 128 bytes. */
    private static final ThreadLocal<byte[]> TRANSPOSE = ThreadLocal.withInitial(() -> new byte[G * 128]);
}
