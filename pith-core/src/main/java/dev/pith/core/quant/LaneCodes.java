package dev.pith.core.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The last pass of the K-quant encoders, lane-wise: the codes of a sub-block from its stored
 * (rounded) scale, clamp(nearest_int((x + add) / d), lo, hi) + offset for each value. Each lane does
 * the scalar code's IEEE add and division, and ggml's nearest_int bit trick (add 1.5·2^23, keep the
 * low 23 bits, subtract 2^22) on integer lanes, so even a quotient too large for the trick gives the
 * scalar code's bits. The scalar twins are the loops in {@link KQuantizer#q6_K} and
 * {@link KQuantizer#requantizeK4}; QxLanesTest and Qkx2LanesTest compare whole blocks.
 */
final class LaneCodes {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() >= 16 ? FloatVector.SPECIES_512
            : FloatVector.SPECIES_PREFERRED.length() >= 8 ? FloatVector.SPECIES_256 : FloatVector.SPECIES_128;
    /** The codes as bytes, one per float lane (null for 4 lanes: no 32-bit vector shape, so those go lane by lane). */
    private static final VectorSpecies<Byte> B = F.length() >= 8 ? ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(8 * F.length())) : null;
    private static final float MAGIC = 12582912f;

    private LaneCodes() {}

    /** L[lo + i] = clamp(nearest_int((x[xo + i] + add) / d), min, max) + offset for i in [0, n); n a multiple of 16, at most 32. */
    static void codes(float[] x, int xo, int n, float add, float d, int min, int max, int offset, byte[] L, int lo) {
        for (int i = 0; i < n; i += F.length()) {
            IntVector bits = FloatVector.fromArray(F, x, xo + i).add(add).div(d).add(MAGIC).reinterpretAsInts();
            IntVector code = bits.and(0x007fffff).sub(0x00400000).max(min).min(max).add(offset);
            if (B != null) {
                code.convertShape(VectorOperators.I2B, B, 0).reinterpretAsBytes().intoArray(L, lo + i);
            } else {
                for (int k = 0; k < F.length(); k++) L[lo + i + k] = (byte) code.lane(k);
            }
        }
    }
}
