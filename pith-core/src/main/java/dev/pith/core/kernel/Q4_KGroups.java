package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.quant.Bytes;
import dev.pith.core.quant.KScales;
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
 * Generation's Q4_K product (one activation vector or a short batch) on a repacked copy of the rows,
 * rows in the vector lanes and 16-bit integer sums, as {@link Q4_0Groups} does for Q4_0 (see there
 * for why), with the bits of the scalar reference {@link DotScalar#q4_K}.
 *
 * <p>Layout of a group of 32 rows, per 256-column super-block ({@link #GROUP_BLOCK} bytes): per
 * 32-column sub-block, one 16-byte line per column of the 32 rows' nibbles (byte i: row i's q in the
 * low nibble, row 16+i's q − 8 as a signed high nibble), then the 32 rows' 6-bit scales and mins as
 * bytes; after the eight sub-blocks the rows' d and dmin (fp16). 148 bytes per row and super-block
 * against the file's 144. The kernel reads it strictly forwards: with the scales and d in front
 * (read after the quants they scale) the hardware prefetcher lost the stream, and a 1B FFN matrix
 * from DRAM ran at 7.5 GB/s on one thread against 16.6 from L2 (AMD EPYC, Zen 4).
 *
 * <p>Exactness: Q4_K nibbles are 0..15, and a sub-block's Σq·x (up to 15·127·32 = 60,960) does not
 * fit a short; Σ(q − 8)·x (at most 8·127·32 = 32,512) does, so the lanes sum that (the low nibbles
 * through the same wrap-around as Q4_0: lanes start at −8·Σx) and 8·Σx is added back in 32-bit
 * lanes. Then, per row and super-block, exactly the reference's integers and float operations:
 * {@code isum = Σ scale·Σq·x}, {@code summs = Σ min·Σx} (32-bit lanes, exact), and
 * {@code sumf += d·y_d·isum − dmin·y_d·summs}. A tensor with an infinite or NaN d or dmin is not
 * packed; it keeps the reference kernel.
 */
final class Q4_KGroups extends PackedGroups {
    /** Bytes of one sub-block's part of a group's super-block: 32 columns × 16 bytes of nibbles, then 32 scales and 32 mins. */
    private static final int SUB = 32 * 16 + 2 * G;
    static final int D = 8 * SUB, DMIN = D + 2 * G;
    /** Bytes of one group's super-block. */
    static final int GROUP_BLOCK = DMIN + 2 * G;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    /** S16's shape in ints: a quant held twice per int ({@link Activations#doubledQuants}) broadcast as 16 shorts. */
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;

    static final Q4_KGroups KIND = new Q4_KGroups();

    private Q4_KGroups() {
        super(DType.Q4_K, GROUP_BLOCK, "pith.decode.q4_K", 0, 2);
    }

    /** Where column c's 16 bytes of nibbles, sub-block sub's 32 scales and its 32 mins sit in a group's super-block. */
    static int quants(int c) { return SUB * (c / 32) + 16 * (c % 32); }
    static int scales(int sub) { return SUB * sub + 512; }
    static int mins(int sub) { return SUB * sub + 512 + G; }

    @Override
    void prepare(Activations a) {
        a.q4Offsets(); // and the sub-block sums it is made from
        a.doubledQuants();
    }

    @Override
    void superBlock(MemorySegment packed, long p, Activations a, int sb, float[] out, int o) {
        addSuperBlock(packed, p, a.doubledQuants(), 256 * sb, a.subBlockSums(), a.q4Offsets(), 8 * sb, a.d[sb], out, o);
    }

    @Override
    float reference(MemorySegment w, long off, Activations a, int xo, int cols) {
        return DotScalar.q4_K(w, off, a, xo, cols);
    }

    /**
     * One group's super-block at p against one vector's super-block (quants, each held twice in an
     * int, from xb; sub-block sums from s): adds to out[o .. o+31]. Written flat, without helpers that return vectors: C2 left
     * such helpers out of line here ("callee uses too much stack", "callee is too large"), and a
     * vector returned from a call is boxed on the heap (8.1 GB/s instead of the inlined loop's rate).
     */
    private static void addSuperBlock(MemorySegment w, long p, int[] q2, int xb, int[] sums, short[] offsets, int s, float yd,
                                      float[] out, int o) {
        IntVector isum0 = IntVector.zero(I), isum1 = isum0, summs0 = isum0, summs1 = isum0;
        for (int sub = 0; sub < 8; sub++) {
            long q = p + (long) SUB * sub;
            int x0 = xb + 32 * sub;
            ShortVector lo = ShortVector.broadcast(S16, offsets[s + sub]), hi = ShortVector.zero(S16);
            for (int k = 0; k < 32; k++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B128, w, q + 16L * k, LE).convertShape(VectorOperators.B2S, S16, 0);
                ShortVector xk = IntVector.broadcast(I8, q2[x0 + k]).reinterpretAsShorts();
                lo = lo.add(v.and((short) 0xF).mul(xk));
                hi = hi.add(v.lanewise(VectorOperators.ASHR, 4).mul(xk));
            }
            int x = sums[s + sub];
            long sc = p + scales(sub), mn = p + mins(sub);
            IntVector back = IntVector.broadcast(I, 8 * x);
            IntVector sc0 = (IntVector) ByteVector.fromMemorySegment(B128, w, sc, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector sc1 = (IntVector) ByteVector.fromMemorySegment(B128, w, sc + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector mn0 = (IntVector) ByteVector.fromMemorySegment(B128, w, mn, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector mn1 = (IntVector) ByteVector.fromMemorySegment(B128, w, mn + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            isum0 = isum0.add(((IntVector) lo.convertShape(VectorOperators.S2I, I, 0)).add(back).mul(sc0));
            isum1 = isum1.add(((IntVector) hi.convertShape(VectorOperators.S2I, I, 0)).add(back).mul(sc1));
            summs0 = summs0.add(mn0.mul(x));
            summs1 = summs1.add(mn1.mul(x));
        }
        // d and dmin from their halves (bits moved into float position: the value times 2^-112, exact), then
        // out += d·y·isum − dmin·y·summs, lane by lane the reference's float operations.
        FloatVector unbias = FloatVector.broadcast(F, HALF_BIAS), y = FloatVector.broadcast(F, yd);
        for (int h = 0; h < 2; h++) {
            IntVector dBits = (IntVector) ShortVector.fromMemorySegment(S16, w, p + D + 32L * h, LE).convertShape(VectorOperators.S2I, I, 0);
            IntVector mBits = (IntVector) ShortVector.fromMemorySegment(S16, w, p + DMIN + 32L * h, LE).convertShape(VectorOperators.S2I, I, 0);
            FloatVector d = dBits.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(unbias);
            FloatVector dmin = mBits.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(unbias);
            IntVector isum = h == 0 ? isum0 : isum1, summs = h == 0 ? summs0 : summs1;
            FloatVector plus = d.mul(y).mul((FloatVector) isum.convert(VectorOperators.I2F, 0));
            FloatVector minus = dmin.mul(y).mul((FloatVector) summs.convert(VectorOperators.I2F, 0));
            FloatVector.fromArray(F, out, o + 16 * h).add(plus.sub(minus)).intoArray(out, o + 16 * h);
        }
    }

    /**
     * A column's line holds its value for all 32 rows: rows 0-15 from the low nibbles (q), rows 16-31
     * from the signed high nibbles (q − 8, plus 8), each times its row's sub-block scale, so a column
     * of the panel is two vector stores and no transpose (the file's rows took a decode and a scatter).
     */
    @Override
    void kQuantPanel(MemorySegment w, int g, int superBlocks, float[] panel, float[] d, float[] dmin, float[] mins) {
        for (int b = 0; b < superBlocks; b++) {
            long p = ((long) g * superBlocks + b) * GROUP_BLOCK;
            for (int sub = 0; sub < 8; sub++) {
                long sc = p + scales(sub), mn = p + mins(sub);
                IntVector sc0 = (IntVector) ByteVector.fromMemorySegment(B128, w, sc, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector sc1 = (IntVector) ByteVector.fromMemorySegment(B128, w, sc + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                for (int k = 0; k < 32; k++) {
                    int c = 32 * sub + k, at = G * (256 * b + KQuantGemm.position(c));
                    IntVector v = (IntVector) ByteVector.fromMemorySegment(B128, w, p + quants(c), LE).convertShape(VectorOperators.B2I, I, 0);
                    ((FloatVector) v.and(0xF).mul(sc0).convert(VectorOperators.I2F, 0)).intoArray(panel, at);
                    ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).add(8).mul(sc1).convert(VectorOperators.I2F, 0)).intoArray(panel, at + 16);
                }
                for (int h = 0; h < 2; h++) {
                    FloatVector m = (FloatVector) ByteVector.fromMemorySegment(B128, w, mn + 16 * h, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)
                            .convert(VectorOperators.I2F, 0);
                    m.intoArray(mins, G * (16 * b + 2 * sub) + 16 * h);
                    m.intoArray(mins, G * (16 * b + 2 * sub + 1) + 16 * h);
                }
            }
            for (int i = 0; i < G; i++) {
                d[G * b + i] = Bytes.f16(w, p + D + 2L * i);
                dmin[G * b + i] = Bytes.f16(w, p + DMIN + 2L * i);
            }
        }
    }

    /** One group's super-block in the layout above. */
    @Override
    void packBlock(byte[] in, int base, int stride, byte[] out, int o) {
        for (int i = 0; i < G; i++) {
            int r = base + stride * i;
            out[o + D + 2 * i] = in[r];
            out[o + D + 2 * i + 1] = in[r + 1];
            out[o + DMIN + 2 * i] = in[r + 2];
            out[o + DMIN + 2 * i + 1] = in[r + 3];
            // The 12 bytes of 6-bit scales and mins (ggml's get_scale_min_k4), all eight of each at once.
            int s0 = i32(in, r + 4), s1 = i32(in, r + 8), s2 = i32(in, r + 12);
            long sc = (s0 & 0x3F3F3F3FL) | ((long) ((s2 & 0x0F0F0F0F) | (((s0 >>> 6) & 0x03030303) << 4)) << 32);
            long mn = (s1 & 0x3F3F3F3FL) | ((long) (((s2 >>> 4) & 0x0F0F0F0F) | (((s1 >>> 6) & 0x03030303) << 4)) << 32);
            for (int sub = 0; sub < 8; sub++) {
                out[o + scales(sub) + i] = (byte) (sc >>> (8 * sub));
                out[o + mins(sub) + i] = (byte) (mn >>> (8 * sub));
            }
        }
        // Quant byte 32·q + l holds column 64·q + l (sub-block 2q) in its low nibble and 64·q + 32 + l (sub-block 2q + 1) in its high one.
        // Rows i and 16 + i make their 32 packed bytes of each sub-block side by side (row i of the
        // row-major 16 × 32 matrices t), which are then transposed into the column lines (PackBytes;
        // PackBench, one thread: 0.83 → 2.5 GB/s, where each byte came from two strided reads).
        byte[] t = TRANSPOSE.get();
        for (int q = 0; q < 4; q++) {
            for (int i = 0; i < 16; i++) {
                int a = base + stride * i + 16 + 32 * q, b = base + stride * (16 + i) + 16 + 32 * q;
                for (int w = 0; w < 32; w += 8) {
                    long x = PackBytes.get(in, a + w), y = PackBytes.get(in, b + w);
                    PackBytes.set(t, 32 * i + w, PackBytes.lowNibbles(x, y));
                    PackBytes.set(t, 512 + 32 * i + w, PackBytes.highNibbles(x, y));
                }
            }
            PackBytes.transpose(t, 0, 32, 16, 32, out, o + SUB * 2 * q, 16);
            PackBytes.transpose(t, 512, 32, 16, 32, out, o + SUB * (2 * q + 1), 16);
        }
    }

    /** Per packing thread: the two 16 × 32 byte matrices of one quarter of a super-block. */
    private static final ThreadLocal<byte[]> TRANSPOSE = ThreadLocal.withInitial(() -> new byte[1024]);

    private static int i32(byte[] b, int o) {
        return (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8 | (b[o + 2] & 0xFF) << 16 | b[o + 3] << 24;
    }
}
