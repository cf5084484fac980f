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
 * AVX kernels accumulate ({@code acc = fma(d, sumi_lanes, acc)}, then one horizontal sum). Types
 * without a vector kernel here use {@link DotScalar}.
 *
 * <p>Block layouts need 8 or 16 float lanes (a block of 16 or 32 values is a whole number of
 * vectors); on a machine whose preferred width gives another count, {@link #AVAILABLE} is false and
 * {@link MatMul} uses the scalar kernels.
 */
final class DotVector {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() > 16 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final boolean AVAILABLE = L == 8 || L == 16;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final VectorSpecies<Byte> B = AVAILABLE ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;
    static final VectorSpecies<Short> S = AVAILABLE ? VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16)) : null;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private DotVector() {}

    static float dot(DType type, MemorySegment w, long off, Activations a, int t, int cols) {
        int xo = t * cols;
        return switch (type) {
            case F32 -> f32(w, off, a.values, xo, cols);
            case F16 -> f16(w, off, a.values, xo, cols);
            case BF16 -> bf16(w, off, a.values, xo, cols);
            case Q8_0 -> q8_0(w, off, a, xo, cols);
            case Q4_0 -> q4_0(w, off, a, xo, cols);
            case Q4_K -> q4_K(w, off, a, xo, cols);
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

    static FloatVector toFloat(ByteVector v) {
        return (FloatVector) v.convertShape(VectorOperators.B2F, F, 0);
    }

    static float q8_0(MemorySegment w, long off, Activations a, int xo, int n) {
        float[] x = a.values;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / 32; b++) {
            long p = off + 34L * b;
            int xb = xo + 32 * b;
            FloatVector sum = FloatVector.zero(F);
            for (int c = 0; c < 32; c += L) {
                sum = toFloat(ByteVector.fromMemorySegment(B, w, p + 2 + c, LE)).fma(FloatVector.fromArray(F, x, xb + c), sum);
            }
            acc = sum.fma(FloatVector.broadcast(F, Bytes.f16(w, p) * a.d[xb / 32]), acc);
        }
        return Lanes.sum(acc);
    }

    static float q4_0(MemorySegment w, long off, Activations a, int xo, int n) {
        float[] x = a.values;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / 32; b++) {
            long p = off + 18L * b;
            int xb = xo + 32 * b;
            FloatVector sum = FloatVector.zero(F);
            for (int c = 0; c < 16; c += L) {
                ByteVector q = ByteVector.fromMemorySegment(B, w, p + 2 + c, LE);
                FloatVector lo = toFloat(q.and((byte) 0xF).sub((byte) 8));
                FloatVector hi = toFloat(q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8));
                sum = lo.fma(FloatVector.fromArray(F, x, xb + c), sum);
                sum = hi.fma(FloatVector.fromArray(F, x, xb + 16 + c), sum);
            }
            acc = sum.fma(FloatVector.broadcast(F, Bytes.f16(w, p) * a.d[xb / 32]), acc);
        }
        return Lanes.sum(acc);
    }

    // ---- 256-value super-blocks against Q8_K ----

    static float q4_K(MemorySegment w, long off, Activations a, int xo, int n) {
        float[] x = a.values;
        FloatVector acc = FloatVector.zero(F);
        float mins = 0f;
        for (int b = 0; b < n / 256; b++) {
            long p = off + 144L * b;
            int xb = xo + 256 * b;
            FloatVector sum = FloatVector.zero(F);
            for (int j = 0; j < 4; j++) {
                FloatVector s1 = FloatVector.zero(F), s2 = s1;
                long q = p + 16 + 32L * j;
                int x1 = xb + 64 * j, x2 = x1 + 32;
                for (int c = 0; c < 32; c += L) {
                    ByteVector v = ByteVector.fromMemorySegment(B, w, q + c, LE);
                    s1 = toFloat(v.and((byte) 0xF)).fma(FloatVector.fromArray(F, x, x1 + c), s1);
                    s2 = toFloat(v.lanewise(VectorOperators.LSHR, 4)).fma(FloatVector.fromArray(F, x, x2 + c), s2);
                }
                sum = s1.fma(FloatVector.broadcast(F, KScales.scaleK4(w, p + 4, 2 * j)), sum);
                sum = s2.fma(FloatVector.broadcast(F, KScales.scaleK4(w, p + 4, 2 * j + 1)), sum);
            }
            float yd = a.d[xb / 256];
            acc = sum.fma(FloatVector.broadcast(F, Bytes.f16(w, p) * yd), acc);
            int summs = 0;
            for (int j = 0; j < 16; j++) summs += a.bsums[xb / 16 + j] * KScales.minK4(w, p + 4, j / 2);
            mins += Bytes.f16(w, p + 2) * yd * summs;
        }
        return Lanes.sum(acc) - mins;
    }

    static float q6_K(MemorySegment w, long off, Activations a, int xo, int n) {
        float[] x = a.values;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / 256; b++) {
            long p = off + 210L * b;
            int xb = xo + 256 * b;
            FloatVector sum = FloatVector.zero(F);
            for (int h = 0; h < 2; h++) {
                long ql = p + 64L * h, qh = p + 128 + 32L * h, sc = p + 192 + 8L * h;
                int xh = xb + 128 * h;
                for (int c = 0; c < 32; c += L) {
                    ByteVector lowA = ByteVector.fromMemorySegment(B, w, ql + c, LE);
                    ByteVector lowB = ByteVector.fromMemorySegment(B, w, ql + 32 + c, LE);
                    ByteVector high = ByteVector.fromMemorySegment(B, w, qh + c, LE);
                    // Quarter k takes a nibble of lowA (k = 0, 2) or lowB (k = 1, 3) and bits 2k of high.
                    ByteVector q1 = lowA.and((byte) 0xF).or(high.and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                    ByteVector q2 = lowB.and((byte) 0xF).or(high.lanewise(VectorOperators.LSHR, 2).and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                    ByteVector q3 = lowA.lanewise(VectorOperators.LSHR, 4).or(high.lanewise(VectorOperators.LSHR, 4).and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                    ByteVector q4 = lowB.lanewise(VectorOperators.LSHR, 4).or(high.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4));
                    int is = c / 16;
                    sum = toFloat(q1.sub((byte) 32)).mul(FloatVector.fromArray(F, x, xh + c)).fma(FloatVector.broadcast(F, Bytes.i8(w, sc + is)), sum);
                    sum = toFloat(q2.sub((byte) 32)).mul(FloatVector.fromArray(F, x, xh + 32 + c)).fma(FloatVector.broadcast(F, Bytes.i8(w, sc + is + 2)), sum);
                    sum = toFloat(q3.sub((byte) 32)).mul(FloatVector.fromArray(F, x, xh + 64 + c)).fma(FloatVector.broadcast(F, Bytes.i8(w, sc + is + 4)), sum);
                    sum = toFloat(q4.sub((byte) 32)).mul(FloatVector.fromArray(F, x, xh + 96 + c)).fma(FloatVector.broadcast(F, Bytes.i8(w, sc + is + 6)), sum);
                }
            }
            acc = sum.fma(FloatVector.broadcast(F, Bytes.f16(w, p + 208) * a.d[xb / 256]), acc);
        }
        return Lanes.sum(acc);
    }
}
