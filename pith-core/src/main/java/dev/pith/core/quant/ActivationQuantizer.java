package dev.pith.core.quant;

import dev.pith.core.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Quantizes an activation vector the way llama.cpp's CPU backend does before a matrix product: it
 * converts x to the weight type's "vec_dot_type" (Q8_0 for Q4_0/Q5_0/Q8_0 weights, Q8_1 for
 * Q4_1/Q5_1, Q8_K for every K-quant) and then multiplies integers block by block.
 *
 * <p>These follow ggml-cpu's x86 code (arch/x86/quants.c), which is what llama.cpp runs on an
 * AVX2/AVX-512 machine, not the portable reference in ggml-quants.c. The two differ:
 * <ul>
 *   <li>Q8_0 and Q8_1 on x86 multiply by {@code 127/amax} and round half to even
 *       ({@code _mm256_round_ps}); the reference multiplies by {@code 1/(amax/127)} and rounds half
 *       away from zero ({@code roundf}). Either can move a value by one step.</li>
 *   <li>Q8_1's {@code s} is {@code fp16(d * sum(q))} with the unrounded float {@code d}.</li>
 *   <li>Q8_K on x86 is the reference: scale {@code -127/max} where max is the signed value of
 *       largest magnitude, round half to even (ggml's nearest_int), clamp at 127, keep {@code d = 1/scale}
 *       as a float32 and the sum of every 16 quants.</li>
 * </ul>
 * Scales that ggml stores as fp16 are returned already rounded to fp16 (as floats), because the dot
 * products read them back from fp16.
 */
public final class ActivationQuantizer {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    private static final VectorSpecies<Integer> INT_SPECIES = VectorSpecies.of(int.class, SPECIES.vectorShape());
    /** Bytes of the same lane count as SPECIES (a quarter of its width). */
    private static final VectorSpecies<Byte> BYTE_SPECIES = VectorSpecies.of(byte.class, VectorShape.forBitSize(SPECIES.vectorBitSize() / 4));
    private static final float ROUNDING_MAGIC = 0x1.8p23f;

    private ActivationQuantizer() {}

    /** The type llama.cpp converts activations to before a dot product with weights of type {@code w}. */
    public static DType vecDotType(DType w) {
        return switch (w) {
            case F32 -> DType.F32;
            case F16 -> DType.F16;
            case BF16 -> DType.BF16;
            case Q4_0, Q5_0, Q8_0 -> DType.Q8_0;
            case Q4_1, Q5_1 -> DType.Q8_1;
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> DType.Q8_K;
            default -> throw new IllegalArgumentException("no dot product for weights of type " + w);
        };
    }

    /**
     * Q8_0 as ggml-cpu's x86 quantize_row_q8_0: per block of 32, {@code d = fp16(amax/127)},
     * {@code q = rint(x * (127/amax))}. Writes {@code n/32} scales to {@code d[dOff...]}.
     */
    public static void q8_0(float[] x, int xo, int n, byte[] qs, int qo, float[] d, int dOff) {
        if (32 % LANES != 0) {
            q8_0Scalar(x, xo, n, qs, qo, d, dOff);
            return;
        }
        requireBlocks(n, 32);
        for (int b = 0; b < n / 32; b++) {
            int base = xo + 32 * b;
            float amax = absMax(x, base, 32);
            d[dOff + b] = roundToHalf(amax / 127f);
            float id = amax != 0f ? 127f / amax : 0f;
            for (int j = 0; j < 32; j += LANES) roundToBytes(FloatVector.fromArray(SPECIES, x, base + j).mul(id), qs, qo + 32 * b + j);
        }
    }

    /**
     * rint(v) saturated to int8, stored at qs[at ..]: the float product is rounded half to even by
     * adding and subtracting 1.5·2²³ (exact for |v| ≤ 2²², and a block's |x·127/amax| is at most
     * 127.5), infinities and NaN go through the Java cast (±∞ saturate, NaN → 0) as in the scalar twin.
     * The scalar Math.rint and its double round trip were ~10 % of a 512-token Q4_0 prompt on smollm2.
     */
    private static void roundToBytes(FloatVector v, byte[] qs, int at) {
        FloatVector rounded = v.add(ROUNDING_MAGIC).sub(ROUNDING_MAGIC);
        IntVector q = ((IntVector) rounded.convertShape(VectorOperators.F2I, INT_SPECIES, 0)).max(-128).min(127);
        ((ByteVector) q.convertShape(VectorOperators.I2B, BYTE_SPECIES, 0)).intoArray(qs, at);
    }

    /** The scalar twin of {@link #q8_0}. */
    static void q8_0Scalar(float[] x, int xo, int n, byte[] qs, int qo, float[] d, int dOff) {
        requireBlocks(n, 32);
        for (int b = 0; b < n / 32; b++) {
            int base = xo + 32 * b;
            float amax = absMaxScalar(x, base, 32);
            d[dOff + b] = roundToHalf(amax / 127f);
            float id = amax != 0f ? 127f / amax : 0f;
            for (int j = 0; j < 32; j++) qs[qo + 32 * b + j] = saturate(Math.rint(x[base + j] * id));
        }
    }

    /**
     * Q8_1 as ggml-cpu's x86 quantize_row_q8_1: Q8_0's quants and scale, plus
     * {@code s[b] = fp16(d * sum(q))} with the float32 {@code d}.
     */
    public static void q8_1(float[] x, int xo, int n, byte[] qs, int qo, float[] d, float[] s, int dOff) {
        requireBlocks(n, 32);
        for (int b = 0; b < n / 32; b++) {
            int base = xo + 32 * b;
            float amax = absMax(x, base, 32);
            float dFull = amax / 127f;
            float id = amax != 0f ? 127f / amax : 0f;
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                byte q = saturate(Math.rint(x[base + j] * id));
                qs[qo + 32 * b + j] = q;
                sum += q;
            }
            d[dOff + b] = roundToHalf(dFull);
            s[dOff + b] = roundToHalf(dFull * sum);
        }
    }

    /**
     * Q8_K as ggml's quantize_row_q8_K (used as is on x86): per block of 256, a float32 {@code d}
     * and {@code bsums[16]} with the sum of each 16 quants. Writes {@code n/256} scales and
     * {@code n/16} sums.
     */
    public static void q8_K(float[] x, int xo, int n, byte[] qs, int qo, float[] d, int dOff, short[] bsums, int bOff) {
        if (LANES != 16) {
            q8_KScalar(x, xo, n, qs, qo, d, dOff, bsums, bOff);
            return;
        }
        requireBlocks(n, 256);
        for (int b = 0; b < n / 256; b++) {
            int base = xo + 256 * b, q0 = qo + 256 * b;
            float max = signedMax(x, base);
            if (max == 0f) {
                d[dOff + b] = 0f;
                java.util.Arrays.fill(qs, q0, q0 + 256, (byte) 0);
                java.util.Arrays.fill(bsums, bOff + 16 * b, bOff + 16 * b + 16, (short) 0);
                continue;
            }
            float iscale = -127f / max;
            for (int j = 0; j < 256; j += 16) {
                FloatVector v = FloatVector.fromArray(SPECIES, x, base + j).mul(iscale);
                // (int) rint, then min(127): no lower clamp, as in the twin (a −∞ product casts to
                // Integer.MIN_VALUE, whose low byte is 0).
                IntVector q = ((IntVector) v.add(ROUNDING_MAGIC).sub(ROUNDING_MAGIC).convertShape(VectorOperators.F2I, INT_SPECIES, 0)).min(127);
                ByteVector bytes = (ByteVector) q.convertShape(VectorOperators.I2B, BYTE_SPECIES, 0);
                bytes.intoArray(qs, q0 + j);
                bsums[bOff + 16 * b + j / 16] = (short) ((IntVector) bytes.convertShape(VectorOperators.B2I, INT_SPECIES, 0)).reduceLanes(VectorOperators.ADD);
            }
            d[dOff + b] = 1f / iscale;
        }
    }

    /**
     * The signed value of largest magnitude among x[base .. base+256), the first one where several
     * share it, NaN never chosen (the twin's {@code |x| > amax} test is false for NaN); 0 if none.
     * Magnitudes compared as the bits of |x| (ordered as ints), NaN bits masked to 0 first.
     */
    private static float signedMax(float[] x, int base) {
        IntVector m = IntVector.zero(INT_SPECIES);
        for (int j = 0; j < 256; j += 16) m = m.max(magnitudeBits(x, base + j));
        int amax = m.reduceLanes(VectorOperators.MAX);
        if (amax == 0) return 0f;
        for (int j = 0; j < 256; j += 16) {
            int lane = magnitudeBits(x, base + j).eq(amax).firstTrue();
            if (lane < 16) return x[base + j + lane];
        }
        throw new AssertionError("the maximum is one of the lanes");
    }

    private static IntVector magnitudeBits(float[] x, int at) {
        IntVector bits = FloatVector.fromArray(SPECIES, x, at).reinterpretAsInts().and(0x7fffffff);
        return bits.blend(0, bits.compare(VectorOperators.GT, 0x7f800000));
    }

    /** The scalar twin of {@link #q8_K}. */
    static void q8_KScalar(float[] x, int xo, int n, byte[] qs, int qo, float[] d, int dOff, short[] bsums, int bOff) {
        requireBlocks(n, 256);
        for (int b = 0; b < n / 256; b++) {
            int base = xo + 256 * b;
            float max = 0f, amax = 0f;
            for (int j = 0; j < 256; j++) {
                float ax = Math.abs(x[base + j]);
                if (ax > amax) {
                    amax = ax;
                    max = x[base + j];
                }
            }
            int q0 = qo + 256 * b;
            if (amax == 0f) {
                d[dOff + b] = 0f;
                for (int j = 0; j < 256; j++) qs[q0 + j] = 0;
                for (int j = 0; j < 16; j++) bsums[bOff + 16 * b + j] = 0;
                continue;
            }
            float iscale = -127f / max;
            for (int j = 0; j < 256; j++) {
                // ggml's nearest_int: round half to even (valid for |v| < 2^22, true here).
                int v = (int) Math.rint(iscale * x[base + j]);
                qs[q0 + j] = (byte) Math.min(127, v);
            }
            for (int j = 0; j < 16; j++) {
                int sum = 0;
                for (int i = 0; i < 16; i++) sum += qs[q0 + 16 * j + i];
                bsums[bOff + 16 * b + j] = (short) sum;
            }
            d[dOff + b] = 1f / iscale;
        }
    }

    /** Rounds to fp16 and back, as storing into a ggml_half and reading it again does. */
    public static float roundToHalf(float f) {
        return Float.float16ToFloat(Float.floatToFloat16(f));
    }

    /**
     * max |x[off .. off+n)|, lane-wise on the float bits: with the sign bit cleared, IEEE floats
     * (infinities and NaN included) order as their bit patterns do as ints, so an integer maximum
     * is the float maximum, without the NaN-ordering blends C2 emits for a float max and its
     * reduction. Equals {@link #absMaxScalar} bit for bit, except that of several NaNs with
     * different payloads it may return another one. The scalar chain of Math.max was ~8 % of a
     * 512-token Q4_0 prompt on smollm2.
     */
    static float absMax(float[] x, int off, int n) {
        int j = 0;
        float amax = 0f;
        if (n >= LANES) {
            IntVector m = IntVector.zero(INT_SPECIES);
            for (int upper = n - LANES; j <= upper; j += LANES) {
                m = m.max(FloatVector.fromArray(SPECIES, x, off + j).reinterpretAsInts().and(0x7fffffff));
            }
            amax = Float.intBitsToFloat(m.reduceLanes(VectorOperators.MAX));
        }
        for (; j < n; j++) amax = Math.max(amax, Math.abs(x[off + j]));
        return amax;
    }

    /** The scalar twin of {@link #absMax}. */
    static float absMaxScalar(float[] x, int off, int n) {
        float amax = 0f;
        for (int j = 0; j < n; j++) amax = Math.max(amax, Math.abs(x[off + j]));
        return amax;
    }

    /** _mm256_cvtps_epi32 then the saturating packs to int8. */
    private static byte saturate(double rounded) {
        return (byte) Math.max(-128, Math.min(127, (int) rounded));
    }

    private static void requireBlocks(int n, int block) {
        if (n % block != 0) throw new IllegalArgumentException(n + " values is not a whole number of blocks of " + block);
    }
}
