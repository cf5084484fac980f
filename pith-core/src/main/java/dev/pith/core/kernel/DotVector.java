package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.quant.Bytes;
import dev.pith.core.quant.KScales;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Vectorised dot products of one weight row with one prepared activation vector
 * ({@code jdk.incubator.vector}, the machine's preferred width: 16 float lanes with AVX-512).
 *
 * <p>Quantized rows are widened byte → float lane by lane and multiplied with the activation
 * quants held as floats ({@link Activations#values}); each lane's partial block sum is an exact
 * integer, then scaled by {@code d_w * d_x} and accumulated with an FMA, which is how ggml's own
 * AVX kernels accumulate ({@code acc = fma(d, sumi_lanes, acc)}, then one horizontal sum). Every
 * supported type has a kernel here; {@link DotScalar} is their reference.
 *
 * <p>Two rules keep these fast: bits are moved with 32-bit lane shifts and per-byte masks (x86 has
 * no byte shifts, and a lane-wise byte shift widens and narrows), and loop bodies stay flat and
 * small (C2 gives up inlining Vector API calls in very large methods, and a vector that is not
 * inlined is boxed on the heap).
 *
 * <p>Block layouts need 8 or 16 float lanes (a block of 16 or 32 values is a whole number of
 * vectors); on a machine whose preferred width gives another count, {@link #AVAILABLE} is false and
 * {@link MatMul} uses the scalar kernels.
 */
final class DotVector {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() > 16 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final boolean AVAILABLE = L == 8 || L == 16;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final VectorSpecies<Byte> B = AVAILABLE ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;
    static final VectorSpecies<Short> S = AVAILABLE ? VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16)) : null;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Lane numbers 0..L-1: per-lane shift counts that pick bit j of a block's 32-bit qh for value j. */
    static final IntVector LANE = AVAILABLE ? IntVector.fromArray(I, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 0) : null;

    /** Lane k holds the bits of the float k - 8: a nibble's signed Q4_0 value by one lane permute (the index wraps to its low 4 bits). */
    static final IntVector NIBBLE_MINUS_8 = AVAILABLE && L == 16 ? floatTable(-8) : null;
    /** Lane k holds the bits of the float k. */
    static final IntVector NIBBLE = AVAILABLE && L == 16 ? floatTable(0) : null;
    /**
     * Lane k holds the bits of the float k - 16: with {@link #NIBBLE} as the upper half, a two-table
     * permute turns a Q5_0 value (5 bits, the index wraps to them) into its signed float.
     */
    static final IntVector NIBBLE_MINUS_16 = AVAILABLE && L == 16 ? floatTable(-16) : null;
    /** Lane numbers 16..31: shift counts that pick bit 16 + j of qh for the second half's value j. */
    static final IntVector LANE_16 = AVAILABLE ? LANE.add(16) : null;

    private static IntVector floatTable(int bias) {
        int[] bits = new int[16];
        for (int k = 0; k < 16; k++) bits[k] = Float.floatToRawIntBits(k + bias);
        return IntVector.fromArray(I, bits, 0);
    }

    private DotVector() {}


    static float dot(DType type, MemorySegment w, long off, Activations a, int t, int cols) {
        int xo = t * cols;
        return switch (type) {
            case F32 -> f32(w, off, a.values, xo, cols);
            case F16 -> f16(w, off, a.values, xo, cols);
            case BF16 -> bf16(w, off, a.values, xo, cols);
            case Q8_0 -> q8_0(w, off, a, xo, cols);
            case Q4_0 -> q4_0(w, off, a, xo, cols);
            case Q4_1 -> q4_1(w, off, a, xo, cols);
            case Q5_0 -> q5_0(w, off, a, xo, cols);
            case Q5_1 -> q5_1(w, off, a, xo, cols);
            case Q2_K -> q2_K(w, off, a, xo, cols);
            case Q3_K -> q3_K(w, off, a, xo, cols);
            case Q4_K -> q4_K(w, off, a, xo, cols);
            case Q5_K -> q5_K(w, off, a, xo, cols);
            case Q6_K -> q6_K(w, off, a, xo, cols);
            default -> DotScalar.dot(type, w, off, a, t, cols);
        };
    }

    // ---- float types: four accumulators to cover the FMA latency, scalar tail ----

    static float f32(MemorySegment w, long off, float[] x, int xo, int n) {
        // One accumulator: the same sum, in the same order, as TiledMatMul's tiles, so a prompt
        // processed in a batch gives bit-identical results to the same tokens one at a time.
        // Decoding is bound by memory bandwidth, not by the FMA latency this chain exposes.
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = n - L; i <= upper; i += L) {
            acc = FloatVector.fromMemorySegment(F, w, off + 4L * i, LE).fma(FloatVector.fromArray(F, x, xo + i), acc);
        }
        float sum = Lanes.sum(acc);
        for (; i < n; i++) sum += Bytes.f32(w, off + 4L * i) * x[xo + i];
        return sum;
    }

    static float f16(MemorySegment w, long off, float[] x, int xo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = n - L; i <= upper; i += L) {
            acc = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * i, LE)).fma(FloatVector.fromArray(F, x, xo + i), acc);
        }
        float sum = Lanes.sum(acc);
        for (; i < n; i++) sum += Bytes.f16(w, off + 2L * i) * x[xo + i];
        return sum;
    }

    static float bf16(MemorySegment w, long off, float[] x, int xo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = n - L; i <= upper; i += L) {
            acc = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * i, LE)).fma(FloatVector.fromArray(F, x, xo + i), acc);
        }
        float sum = Lanes.sum(acc);
        for (; i < n; i++) sum += Bytes.bf16(w, off + 2L * i) * x[xo + i];
        return sum;
    }

    /**
     * IEEE half → float for L lanes, exact: move exponent and mantissa into float position and
     * multiply by 2^112 (the difference of the exponent biases, which also turns half subnormals
     * into the right normal floats); infinities and NaNs get the all-ones float exponent.
     */
    static FloatVector halfToFloat(ShortVector h) {
        IntVector bits = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
        IntVector sign = bits.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector magnitude = bits.and(0x7FFF);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> special = magnitude.compare(VectorOperators.GE, 0x7C00);
        IntVector result = finite.blend(shifted.or(0x7F800000), special).or(sign);
        return result.reinterpretAsFloats();
    }

    static FloatVector bf16ToFloat(ShortVector h) {
        IntVector bits = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
        return bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    // ---- 32-value blocks ----

    /**
     * The high nibble of each byte. x86 has no byte shift, so shift the same bits as 32-bit lanes
     * (one instruction) and mask, instead of a lane-wise byte shift (which widens and narrows).
     */
    private static ByteVector highNibbles(ByteVector v) {
        return v.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0xF);
    }

    static FloatVector toFloat(ByteVector v) {
        return (FloatVector) v.convertShape(VectorOperators.B2F, F, 0);
    }

    // Integer scales are broadcast as floats, (float) cast first: FloatVector.broadcast(species, long)
    // (which an int argument selects) checks that the long converts to float exactly, a float round
    // trip and two branches per call, which C2 does not remove.

    // Each block's lane sums are built from independent products and added to one of two
    // accumulators (even / odd blocks), so consecutive FMAs do not wait on each other.

    /**
     * Q8_0 against Q8_0. Each block's lane sums are exact (small integers), so only the order of the
     * scaled block additions matters: one accumulator, as ggml's x86 kernel and {@link TiledMatMul}
     * use, so a prompt's batched products are bit-identical to one-at-a-time ones.
     */
    static float q8_0(MemorySegment w, long off, Activations a, int xo, int n) {
        float[] x = a.values;
        FloatVector acc = FloatVector.zero(F);
        int nb = n / 32;
        for (int b = 0; b < nb; b++) {
            long p = off + 34L * b;
            int xb = xo + 32 * b;
            FloatVector sum = blockQ8(w, p + 2, x, xb);
            FloatVector d = FloatVector.broadcast(F, Bytes.f16(w, p) * a.d[xb / 32]);
            acc = sum.fma(d, acc);
        }
        return Lanes.sum(acc);
    }

    /** Lane sums of 32 int8 weights at {@code q} times x[xb..xb+32). */
    private static FloatVector blockQ8(MemorySegment w, long q, float[] x, int xb) {
        FloatVector sum = toFloat(ByteVector.fromMemorySegment(B, w, q, LE)).mul(FloatVector.fromArray(F, x, xb));
        if (L == 16) {
            // The lane sums are exact integers, so an FMA gives the bits of multiply-then-add with one instruction fewer.
            return toFloat(ByteVector.fromMemorySegment(B, w, q + 16, LE)).fma(FloatVector.fromArray(F, x, xb + 16), sum);
        }
        for (int c = L; c < 32; c += L) {
            sum = sum.add(toFloat(ByteVector.fromMemorySegment(B, w, q + c, LE)).mul(FloatVector.fromArray(F, x, xb + c)));
        }
        return sum;
    }

    static float q4_0(MemorySegment w, long off, Activations a, int xo, int n) {
        float[] x = a.values;
        float[] dx = a.d;
        FloatVector acc = FloatVector.zero(F);
        int nb = n / 32, db = xo / 32;
        for (int b = 0; b < nb; b++) {
            long p = off + 18L * b;
            int xb = xo + 32 * b;
            if (L == 16) {
                // The 16 quant bytes zero-extended to int lanes once: nibbles are then one AND / one
                // shift each and one int → float conversion (B2F would widen twice). The block's lane
                // sums are exact integers, so the FMA gives the same bits as multiply-then-add.
                IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, p + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                FloatVector lo = q.selectFrom(NIBBLE_MINUS_8).reinterpretAsFloats();
                FloatVector hi = q.lanewise(VectorOperators.LSHR, 4).selectFrom(NIBBLE_MINUS_8).reinterpretAsFloats();
                FloatVector sum = hi.fma(FloatVector.fromArray(F, x, xb + 16), lo.mul(FloatVector.fromArray(F, x, xb)));
                acc = sum.fma(FloatVector.broadcast(F, Bytes.f16(w, p) * dx[db + b]), acc);
                continue;
            }
            FloatVector sum = FloatVector.zero(F);
            for (int c = 0; c < 16; c += L) {
                ByteVector q = ByteVector.fromMemorySegment(B, w, p + 2 + c, LE);
                FloatVector lo = toFloat(q.and((byte) 0xF).sub((byte) 8)).mul(FloatVector.fromArray(F, x, xb + c));
                FloatVector hi = toFloat(highNibbles(q).sub((byte) 8)).mul(FloatVector.fromArray(F, x, xb + 16 + c));
                sum = sum.add(lo.add(hi));
            }
            FloatVector d = FloatVector.broadcast(F, Bytes.f16(w, p) * dx[db + b]);
            acc = sum.fma(d, acc);
        }
        return Lanes.sum(acc);
    }

    /** Q4_1 against Q8_1: nibbles times quants, plus the block's {@code m * s} (s = fp16(d_x * sum q_x)). */
    static float q4_1(MemorySegment w, long off, Activations a, int xo, int n) {
        float[] x = a.values;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        float mins = 0f;
        int nb = n / 32;
        for (int b = 0; b < nb; b++) {
            long p = off + 20L * b;
            int xb = xo + 32 * b;
            FloatVector sum = FloatVector.zero(F);
            for (int c = 0; c < 16; c += L) {
                ByteVector q = ByteVector.fromMemorySegment(B, w, p + 4 + c, LE);
                FloatVector lo = toFloat(q.and((byte) 0xF)).mul(FloatVector.fromArray(F, x, xb + c));
                FloatVector hi = toFloat(highNibbles(q)).mul(FloatVector.fromArray(F, x, xb + 16 + c));
                sum = sum.add(lo.add(hi));
            }
            FloatVector d = FloatVector.broadcast(F, Bytes.f16(w, p) * a.d[xb / 32]);
            if ((b & 1) == 0) acc0 = sum.fma(d, acc0);
            else acc1 = sum.fma(d, acc1);
            mins += Bytes.f16(w, p + 2) * a.s[xb / 32];
        }
        return Lanes.sum(acc0.add(acc1)) + mins;
    }

    /**
     * The 5-bit values of L lanes of a Q5 block: nibbles (as ints) with bit {@code first + lane} of
     * qh on top. The fifth bits come from one variable shift of the broadcast qh word.
     */
    private static IntVector fiveBits(ByteVector nibbles, int qh, int first) {
        IntVector low = (IntVector) nibbles.convertShape(VectorOperators.B2I, I, 0);
        IntVector high = IntVector.broadcast(I, qh).lanewise(VectorOperators.LSHR, LANE.add(first)).and(1).lanewise(VectorOperators.LSHL, 4);
        return low.or(high);
    }

    /**
     * Q5_0 values (16 lanes) as floats minus 16: bit {@code lanes[j]} of qh ({@code h}, broadcast) moved to
     * bit 4 of nibble j, then one two-table permute (the index wraps to its low 5 bits). Under 35 bytes of
     * bytecode, so the JIT inlines it at every call site (vectors passed out of line are boxed).
     */
    static FloatVector q5_0Floats(IntVector nibbles, IntVector h, IntVector lanes) {
        return nibbles.or(h.lanewise(VectorOperators.LSHR, lanes).lanewise(VectorOperators.LSHL, 4))
                .selectFrom(NIBBLE_MINUS_16, NIBBLE).reinterpretAsFloats();
    }

    static float q5_0(MemorySegment w, long off, Activations a, int xo, int n) {
        float[] x = a.values;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int nb = n / 32;
        for (int b = 0; b < nb; b++) {
            long p = off + 22L * b;
            int xb = xo + 32 * b;
            int qh = Bytes.i32(w, p + 2);
            if (L == 16) {
                // As Q4_0: the 16 quant bytes zero-extended to int lanes once; bit j of qh shifted to
                // bit 4 of value j's index (bits above it are dropped by the permute's wrap), and one
                // two-table permute gives the float of the 5-bit value minus 16. The lane sums are
                // exact integers, as before, so the bits are unchanged.
                IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, p + 6, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector h = IntVector.broadcast(I, qh);
                FloatVector flo = q5_0Floats(q.and(0xF), h, LANE);
                FloatVector fhi = q5_0Floats(q.lanewise(VectorOperators.LSHR, 4), h, LANE_16);
                FloatVector sum = fhi.fma(FloatVector.fromArray(F, x, xb + 16), flo.mul(FloatVector.fromArray(F, x, xb)));
                FloatVector d = FloatVector.broadcast(F, Bytes.f16(w, p) * a.d[xb / 32]);
                if ((b & 1) == 0) acc0 = sum.fma(d, acc0);
                else acc1 = sum.fma(d, acc1);
                continue;
            }
            FloatVector sum = FloatVector.zero(F);
            for (int c = 0; c < 16; c += L) {
                ByteVector q = ByteVector.fromMemorySegment(B, w, p + 6 + c, LE);
                FloatVector lo = fiveBits(q.and((byte) 0xF), qh, c).sub(16).convert(VectorOperators.I2F, 0).reinterpretAsFloats();
                FloatVector hi = fiveBits(highNibbles(q), qh, 16 + c).sub(16).convert(VectorOperators.I2F, 0).reinterpretAsFloats();
                sum = sum.add(lo.mul(FloatVector.fromArray(F, x, xb + c)).add(hi.mul(FloatVector.fromArray(F, x, xb + 16 + c))));
            }
            FloatVector d = FloatVector.broadcast(F, Bytes.f16(w, p) * a.d[xb / 32]);
            if ((b & 1) == 0) acc0 = sum.fma(d, acc0);
            else acc1 = sum.fma(d, acc1);
        }
        return Lanes.sum(acc0.add(acc1));
    }

    static float q5_1(MemorySegment w, long off, Activations a, int xo, int n) {
        float[] x = a.values;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        float mins = 0f;
        int nb = n / 32;
        for (int b = 0; b < nb; b++) {
            long p = off + 24L * b;
            int xb = xo + 32 * b;
            int qh = Bytes.i32(w, p + 4);
            FloatVector sum = FloatVector.zero(F);
            for (int c = 0; c < 16; c += L) {
                ByteVector q = ByteVector.fromMemorySegment(B, w, p + 8 + c, LE);
                FloatVector lo = fiveBits(q.and((byte) 0xF), qh, c).convert(VectorOperators.I2F, 0).reinterpretAsFloats();
                FloatVector hi = fiveBits(highNibbles(q), qh, 16 + c).convert(VectorOperators.I2F, 0).reinterpretAsFloats();
                sum = sum.add(lo.mul(FloatVector.fromArray(F, x, xb + c)).add(hi.mul(FloatVector.fromArray(F, x, xb + 16 + c))));
            }
            FloatVector d = FloatVector.broadcast(F, Bytes.f16(w, p) * a.d[xb / 32]);
            if ((b & 1) == 0) acc0 = sum.fma(d, acc0);
            else acc1 = sum.fma(d, acc1);
            mins += Bytes.f16(w, p + 2) * a.s[xb / 32];
        }
        return Lanes.sum(acc0.add(acc1)) + mins;
    }

    // ---- 256-value super-blocks against Q8_K ----

    /**
     * Q2_K: 2-bit values, group g (16 values) at bits 2*((g/2)%4) of qs[32*(g/8) + 16*(g%2) ...],
     * scale = low nibble of scales[g], min = high nibble (applied through Q8_K's 16-value sums).
     */
    static float q2_K(MemorySegment w, long off, Activations a, int xo, int n) {
        float[] x = a.values;
        FloatVector acc = FloatVector.zero(F);
        float mins = 0f;
        for (int b = 0; b < n / 256; b++) {
            long p = off + 84L * b;
            int xb = xo + 256 * b;
            FloatVector even = FloatVector.zero(F), odd = even;
            int summs = 0;
            for (int g = 0; g < 16; g++) {
                long q = p + 16 + 32 * (g >>> 3) + 16 * (g & 1);
                int shift = 2 * ((g >>> 1) & 3);
                int sc = Bytes.u8(w, p + g);
                FloatVector sum = FloatVector.zero(F);
                for (int c = 0; c < 16; c += L) {
                    ByteVector v = ByteVector.fromMemorySegment(B, w, q + c, LE).reinterpretAsInts()
                            .lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes().and((byte) 3);
                    sum = sum.add(toFloat(v).mul(FloatVector.fromArray(F, x, xb + 16 * g + c)));
                }
                FloatVector scale = FloatVector.broadcast(F, (float) (sc & 0xF));
                if ((g & 1) == 0) even = sum.fma(scale, even);
                else odd = sum.fma(scale, odd);
                summs += a.bsums[xb / 16 + g] * (sc >>> 4);
            }
            float yd = a.d[xb / 256];
            acc = even.add(odd).fma(FloatVector.broadcast(F, yd * Bytes.f16(w, p + 80)), acc);
            mins += yd * Bytes.f16(w, p + 82) * summs;
        }
        return Lanes.sum(acc) - mins;
    }

    /**
     * Q3_K: value = 2 low bits (as Q2_K) | hmask bit (g/2) of hmask[16*(g%2) ...] << 2, minus 4;
     * signed 6-bit scale per group.
     */
    static float q3_K(MemorySegment w, long off, Activations a, int xo, int n) {
        float[] x = a.values;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / 256; b++) {
            long p = off + 110L * b;
            int xb = xo + 256 * b;
            FloatVector even = FloatVector.zero(F), odd = even;
            for (int g = 0; g < 16; g++) {
                long q = p + 32 + 32 * (g >>> 3) + 16 * (g & 1);
                long hm = p + 16 * (g & 1);
                int shift = 2 * ((g >>> 1) & 3), bit = g >>> 1;
                FloatVector sum = FloatVector.zero(F);
                for (int c = 0; c < 16; c += L) {
                    ByteVector low = ByteVector.fromMemorySegment(B, w, q + c, LE).reinterpretAsInts()
                            .lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes().and((byte) 3);
                    ByteVector high = ByteVector.fromMemorySegment(B, w, hm + c, LE).reinterpretAsInts()
                            .lanewise(VectorOperators.LSHR, bit).lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes().and((byte) 4);
                    sum = sum.add(toFloat(low.or(high).sub((byte) 4)).mul(FloatVector.fromArray(F, x, xb + 16 * g + c)));
                }
                FloatVector scale = FloatVector.broadcast(F, (float) KScales.scaleQ3K(w, p + 96, g));
                if ((g & 1) == 0) even = sum.fma(scale, even);
                else odd = sum.fma(scale, odd);
            }
            acc = even.add(odd).fma(FloatVector.broadcast(F, Bytes.f16(w, p + 108) * a.d[xb / 256]), acc);
        }
        return Lanes.sum(acc);
    }

    static float q4_K(MemorySegment w, long off, Activations a, int xo, int n) {
        if (L == 16) return q4_K16(w, off, a, xo, n);
        float[] x = a.values;
        FloatVector acc = FloatVector.zero(F);
        float mins = 0f;
        for (int b = 0; b < n / 256; b++) {
            long p = off + 144L * b;
            int xb = xo + 256 * b;
            long scales = KScales.scalesK4(w, p + 4);
            // Even and odd sub-blocks in separate chains; each sub-block's lane sums are exact integers.
            FloatVector even = FloatVector.zero(F), odd = even;
            for (int j = 0; j < 4; j++) {
                long q = p + 16 + 32L * j;
                int x1 = xb + 64 * j, x2 = x1 + 32;
                FloatVector s1 = FloatVector.zero(F), s2 = s1;
                for (int c = 0; c < 32; c += L) {
                    ByteVector v = ByteVector.fromMemorySegment(B, w, q + c, LE);
                    s1 = s1.add(toFloat(v.and((byte) 0xF)).mul(FloatVector.fromArray(F, x, x1 + c)));
                    s2 = s2.add(toFloat(highNibbles(v)).mul(FloatVector.fromArray(F, x, x2 + c)));
                }
                even = s1.fma(FloatVector.broadcast(F, (float) KScales.at(scales, 2 * j)), even);
                odd = s2.fma(FloatVector.broadcast(F, (float) KScales.at(scales, 2 * j + 1)), odd);
            }
            float yd = a.d[xb / 256];
            acc = even.add(odd).fma(FloatVector.broadcast(F, Bytes.f16(w, p) * yd), acc);
            mins += Bytes.f16(w, p + 2) * yd * minTerm(KScales.minsK4(w, p + 4), a.bsums, xb / 16);
        }
        return Lanes.sum(acc) - mins;
    }

    /**
     * {@link #q4_K} for 16 lanes, the same sums in the same lanes (lane i of a sub-block's sum holds
     * its values i and i+16, exact integers): the quant bytes are zero-extended to int lanes once and
     * each nibble becomes a float by one lane permute of a 16-entry table ({@link #NIBBLE}), instead
     * of two byte → float conversions per nibble vector.
     */
    private static float q4_K16(MemorySegment w, long off, Activations a, int xo, int n) {
        float[] x = a.values;
        FloatVector acc = FloatVector.zero(F);
        float mins = 0f;
        for (int b = 0; b < n / 256; b++) {
            long p = off + 144L * b;
            int xb = xo + 256 * b;
            long scales = KScales.scalesK4(w, p + 4);
            FloatVector even = FloatVector.zero(F), odd = even;
            for (int j = 0; j < 4; j++) {
                long q = p + 16 + 32L * j;
                int x1 = xb + 64 * j, x2 = x1 + 32;
                IntVector v0 = widen(w, q), v1 = widen(w, q + 16);
                FloatVector s1 = nibbles(v0).mul(FloatVector.fromArray(F, x, x1));
                s1 = nibbles(v1).fma(FloatVector.fromArray(F, x, x1 + 16), s1);
                FloatVector s2 = nibbles(v0.lanewise(VectorOperators.LSHR, 4)).mul(FloatVector.fromArray(F, x, x2));
                s2 = nibbles(v1.lanewise(VectorOperators.LSHR, 4)).fma(FloatVector.fromArray(F, x, x2 + 16), s2);
                even = s1.fma(FloatVector.broadcast(F, (float) KScales.at(scales, 2 * j)), even);
                odd = s2.fma(FloatVector.broadcast(F, (float) KScales.at(scales, 2 * j + 1)), odd);
            }
            float yd = a.d[xb / 256];
            acc = even.add(odd).fma(FloatVector.broadcast(F, Bytes.f16(w, p) * yd), acc);
            mins += Bytes.f16(w, p + 2) * yd * minTerm(KScales.minsK4(w, p + 4), a.bsums, xb / 16);
        }
        return Lanes.sum(acc) - mins;
    }

    /** 16 bytes at {@code q} zero-extended to int lanes. */
    private static IntVector widen(MemorySegment w, long q) {
        return (IntVector) ByteVector.fromMemorySegment(B, w, q, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
    }

    /** The low nibble of each int lane as a float (the permute index wraps to the low 4 bits). */
    private static FloatVector nibbles(IntVector v) {
        return v.selectFrom(NIBBLE).reinterpretAsFloats();
    }

    /** Q5_K: Q4_K's nibbles with bit {@code sub} of qh[l] as the fifth bit of value l of sub-block sub. */
    static float q5_K(MemorySegment w, long off, Activations a, int xo, int n) {
        float[] x = a.values;
        FloatVector acc = FloatVector.zero(F);
        float mins = 0f;
        for (int b = 0; b < n / 256; b++) {
            long p = off + 176L * b;
            int xb = xo + 256 * b;
            long scales = KScales.scalesK4(w, p + 4);
            FloatVector even = FloatVector.zero(F), odd = even;
            for (int sub = 0; sub < 8; sub++) {
                long q = p + 48 + 32 * (sub >>> 1);
                int nibbleShift = 4 * (sub & 1);
                FloatVector sum = FloatVector.zero(F);
                for (int c = 0; c < 32; c += L) {
                    ByteVector low = ByteVector.fromMemorySegment(B, w, q + c, LE).reinterpretAsInts()
                            .lanewise(VectorOperators.LSHR, nibbleShift).reinterpretAsBytes().and((byte) 0xF);
                    ByteVector high = ByteVector.fromMemorySegment(B, w, p + 16 + c, LE).reinterpretAsInts()
                            .lanewise(VectorOperators.LSHR, sub).lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 0x10);
                    sum = sum.add(toFloat(low.or(high)).mul(FloatVector.fromArray(F, x, xb + 32 * sub + c)));
                }
                FloatVector scale = FloatVector.broadcast(F, (float) KScales.at(scales, sub));
                if ((sub & 1) == 0) even = sum.fma(scale, even);
                else odd = sum.fma(scale, odd);
            }
            float yd = a.d[xb / 256];
            acc = even.add(odd).fma(FloatVector.broadcast(F, Bytes.f16(w, p) * yd), acc);
            mins += Bytes.f16(w, p + 2) * yd * minTerm(KScales.minsK4(w, p + 4), a.bsums, xb / 16);
        }
        return Lanes.sum(acc) - mins;
    }

    /** sum over the 8 sub-blocks of min_j * (sum of their 32 activation quants), from Q8_K's 16-value sums. */
    static int minTerm(long mins, short[] bsums, int first) {
        int sum = 0;
        for (int j = 0; j < 8; j++) sum += KScales.at(mins, j) * (bsums[first + 2 * j] + bsums[first + 2 * j + 1]);
        return sum;
    }

    /**
     * Q6_K: value = (4-bit low part | 2-bit high part << 4) - 32. Quarter k of each 128-value half
     * takes the low (k = 0, 1) or high (k = 2, 3) nibble of ql[32*(k%2) + l] and bits 2k..2k+1 of
     * qh[l]. Bits move with 32-bit lane shifts plus byte masks (x86 has no byte shifts). The loop
     * body is kept small on purpose: C2 stops inlining Vector API calls in very large methods, and
     * a vector that is not inlined is boxed.
     */
    static float q6_K(MemorySegment w, long off, Activations a, int xo, int n) {
        float[] x = a.values;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / 256; b++) {
            long p = off + 210L * b;
            int xb = xo + 256 * b;
            FloatVector even = FloatVector.zero(F), odd = even;
            for (int g = 0; g < 16; g++) {
                // 16 values 16g.. : half h, quarter k, offset l0 inside the quarter.
                int h = g >>> 3, k = (g >>> 1) & 3, l0 = 16 * (g & 1);
                long ql = p + 64L * h + 32 * (k & 1) + l0;
                long qh = p + 128 + 32L * h + l0;
                FloatVector sum = FloatVector.zero(F);
                for (int c = 0; c < 16; c += L) {
                    IntVector low = ByteVector.fromMemorySegment(B, w, ql + c, LE).reinterpretAsInts();
                    IntVector high = ByteVector.fromMemorySegment(B, w, qh + c, LE).reinterpretAsInts();
                    ByteVector q = low.lanewise(VectorOperators.LSHR, 4 * (k >>> 1)).reinterpretAsBytes().and((byte) 0xF)
                            .or(high.lanewise(VectorOperators.LSHR, 2 * k).lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 0x30));
                    sum = sum.add(toFloat(q.sub((byte) 32)).mul(FloatVector.fromArray(F, x, xb + 16 * g + c)));
                }
                FloatVector scale = FloatVector.broadcast(F, (float) Bytes.i8(w, p + 192 + g));
                if ((g & 1) == 0) even = sum.fma(scale, even);
                else odd = sum.fma(scale, odd);
            }
            acc = even.add(odd).fma(FloatVector.broadcast(F, Bytes.f16(w, p + 208) * a.d[xb / 256]), acc);
        }
        return Lanes.sum(acc);
    }
}
