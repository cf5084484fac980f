package dev.pith.core.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector twins of {@link Quantizer#q8_0} and {@link Quantizer#q4_0}, the round-to-nearest encoders
 * of `pith quantize --type Q8_0/Q4_0`, byte-identical to them (LegacyLanesTest compares the two on
 * random and edge-case blocks). Within a block only the max-of-magnitudes is a reduction, and a
 * maximum does not depend on order; every other step is one lanewise IEEE operation per scalar
 * operation (a multiply then an add, never fused). The scalar code's rounding steps become
 * integer lanes: C's roundf (half away from zero) is trunc(|v|) plus one when the exact fraction
 * |v| − trunc(|v|) is at least ½, with the sign put back; the (byte)(int) casts are a convert
 * and a sign extension of the low byte. Blocks whose maximum is not finite, or whose inverse scale
 * overflows, go to the scalar code, whose casts of infinities and NaNs the lanes do not copy.
 */
final class LegacyLanes {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() >= 16 ? FloatVector.SPECIES_512
            : FloatVector.SPECIES_PREFERRED.length() >= 8 ? FloatVector.SPECIES_256 : FloatVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * 8));
    private static final int L = F.length();
    /** Whether the lanes are used; off with -Dpith.quant.scalar=true (the scalar twins, for comparisons). */
    static final boolean ENABLED = !Boolean.getBoolean("pith.quant.scalar");

    private LegacyLanes() {}

    private static float absMax(float[] x, int xo) {
        FloatVector m = FloatVector.fromArray(F, x, xo).abs();
        for (int j = L; j < 32; j += L) m = m.max(FloatVector.fromArray(F, x, xo + j).abs());
        return m.reduceLanes(VectorOperators.MAX);
    }

    /** quantize_row_q8_0_ref for one block: see {@link Quantizer#q8_0}. */
    static void q8_0(float[] x, int xo, byte[] y, int yo) {
        float amax = absMax(x, xo);
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        if (!Float.isFinite(amax) || Float.isInfinite(id)) {
            Quantizer.q8_0(x, xo, y, yo);
            return;
        }
        Quantizer.putHalf(y, yo, d);
        for (int j = 0; j < 32; j += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + j).mul(id);
            FloatVector a = v.abs();
            IntVector t = (IntVector) a.convert(VectorOperators.F2I, 0);
            FloatVector frac = a.sub((FloatVector) t.convert(VectorOperators.I2F, 0));
            t = t.add(1, frac.compare(VectorOperators.GE, 0.5f).cast(I));
            t = t.lanewise(VectorOperators.NEG, v.compare(VectorOperators.LT, 0f).cast(I));
            ((ByteVector) t.convertShape(VectorOperators.I2B, B, 0)).intoArray(y, yo + 2 + j);
        }
    }

    /** quantize_row_q4_0_ref for one block: see {@link Quantizer#q4_0}. */
    static void q4_0(float[] x, int xo, byte[] y, int yo) {
        float amax = absMax(x, xo);
        if (!Float.isFinite(amax)) {
            Quantizer.q4_0(x, xo, y, yo);
            return;
        }
        float max = 0f; // the scalar search keeps 0 (not a -0) when every magnitude is 0
        if (amax > 0f) {
            // the first value of that magnitude (a plain scan: a lane picked by a variable index is slow)
            for (int j = 0; ; j++) {
                if (Math.abs(x[xo + j]) == amax) {
                    max = x[xo + j];
                    break;
                }
            }
        }
        float d = max / -8f;
        float id = d != 0f ? 1f / d : 0f;
        if (Float.isInfinite(id)) {
            Quantizer.q4_0(x, xo, y, yo);
            return;
        }
        Quantizer.putHalf(y, yo, d);
        for (int j = 0; j < 16; j += L) { // L is 4, 8 or 16: whole vectors fill each half-block
            IntVector lo = nibble(x, xo + j, id), hi = nibble(x, xo + 16 + j, id);
            IntVector packed = lo.or(hi.lanewise(VectorOperators.LSHL, 4));
            ((ByteVector) packed.convertShape(VectorOperators.I2B, B, 0)).intoArray(y, yo + 2 + j);
        }
    }

    /** min(15, (byte)(int)(x*id + 8.5f)) for L values from x[xo]. */
    private static IntVector nibble(float[] x, int xo, float id) {
        FloatVector v = FloatVector.fromArray(F, x, xo).mul(id).add(8.5f);
        IntVector t = (IntVector) v.convert(VectorOperators.F2I, 0);
        return t.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24).min(15);
    }

}
