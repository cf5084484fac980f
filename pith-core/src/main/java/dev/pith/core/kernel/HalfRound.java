package dev.pith.core.kernel;

import dev.pith.core.quant.ActivationQuantizer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Activations for F16 weights rounded to the nearest fp16 value (ties to even) and kept as floats,
 * what ggml does when it converts them to its vec_dot type. The scalar twin is
 * {@link ActivationQuantizer#roundToHalf} (Java's own float → fp16 → float conversions), one value at
 * a time; this is the same result, bit for bit, 16 lanes at a time: a prompt rounds every input of
 * every F16 matrix product (about 5 % of an F16 prompt product when it was scalar).
 *
 * <p>In fp16's normal range (2^-14 ≤ |x| < 65520) rounding a float to fp16 precision is rounding its
 * 23-bit significand to 10 bits: add 0xFFF plus the lowest kept bit (ties to even), clear the 13
 * dropped bits; a carry into the exponent is the right result. Below 2^-14 fp16 values are the
 * multiples of 2^-24 (subnormals): |x| + 0.75 − 0.75 rounds |x| to that grid, ties to even, because
 * 0.75's float ulp is 2^-24 and 0.75 is an even multiple of it (both float steps are exact but the
 * add); the sign goes back on afterwards, so −0 and tiny negatives keep it as Java's conversion does.
 * Attention probabilities (the F16 cache rounds every one) are mostly that small at long contexts.
 * Lanes that overflow to infinity, or are NaN, send the chunk to the scalar twin.
 */
public final class HalfRound {
    private static final VectorSpecies<Float> F = DotVector.F;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();
    /** |x| bits: the smallest fp16 normal (2^-14) and the first value that rounds to infinity (65520). */
    private static final int MIN_NORMAL = 0x38800000, OVERFLOW = 0x477FF000, SIGN = 0x80000000;

    private HalfRound() {}

    /** dst[i] = x[i] rounded to fp16 precision, for i in [from, to); dst may be x. */
    public static void round(float[] x, float[] dst, int from, int to) {
        int i = from;
        if (DotVector.AVAILABLE) {
            for (int upper = to - L; i <= upper; i += L) {
                IntVector bits = FloatVector.fromArray(F, x, i).reinterpretAsInts();
                IntVector abs = bits.and(0x7FFFFFFF);
                if (!abs.compare(VectorOperators.LT, OVERFLOW).allTrue()) {
                    scalar(x, dst, i, i + L);
                    continue;
                }
                IntVector lowestKept = bits.lanewise(VectorOperators.LSHR, 13).and(1);
                IntVector normal = bits.add(lowestKept).add(0xFFF).and(0xFFFFE000);
                IntVector subnormal = abs.reinterpretAsFloats().add(0.75f).sub(0.75f).reinterpretAsInts().or(bits.and(SIGN));
                normal.blend(subnormal, abs.compare(VectorOperators.LT, MIN_NORMAL)).reinterpretAsFloats().intoArray(dst, i);
            }
        }
        scalar(x, dst, i, to);
    }

    /** The scalar twin: Java's conversions, one value at a time. */
    static void scalar(float[] x, float[] dst, int from, int to) {
        for (int i = from; i < to; i++) dst[i] = ActivationQuantizer.roundToHalf(x[i]);
    }
}
