package dev.pith.core.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import static dev.pith.core.kernel.DotVector.B;
import static dev.pith.core.kernel.DotVector.F;

/**
 * Q6_K rows × one activation vector from a row copied into a byte array (16 float lanes only):
 * the same sums, in the same lanes and order, as {@link DotVector#q6_K}, so the same bits.
 *
 * <p>Why a copy: on the memory segment, C2 compiled Q6_K's group loop with a bounds check of
 * long offsets per access (range computations with conditional moves, spilled registers) and
 * ran it at a third of its instruction-count bound; with int indices into an array the checks
 * are hoisted, and the same kernel runs 1.45× faster (DecodeProbe, 512 × 2048 from L2). The copy
 * itself is a memcpy of a row into L1. (The same treatment of Q4_K gained nothing: its segment
 * kernel compiles cleanly; a third of its time is the scalar min term.)
 */
final class KQuantRows {
    private KQuantRows() {}

    /** Q6_K row (nb super-blocks at w[0..]) against Q8_K activations (quants x, scales d). */
    static float q6_K(byte[] w, float[] x, float[] d, int nb) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            int p = 210 * b;
            int xb = 256 * b;
            FloatVector even = FloatVector.zero(F), odd = even;
            for (int g = 0; g < 16; g += 2) {
                // Groups g (offset 0) and g+1 (offset 16) of half h, quarter k: low (k = 0, 1) or high
                // (k = 2, 3) nibble of ql[32*(k%2) + l], bits 2k..2k+1 of qh[l] as bits 4-5.
                int h = g >>> 3, k = (g >>> 1) & 3;
                int ql = p + 64 * h + 32 * (k & 1), qh = p + 128 + 32 * h;
                int lowShift = 4 * (k >>> 1), highShift = 2 * k;
                even = group(w, ql, qh, lowShift, highShift, x, xb + 16 * g).fma(FloatVector.broadcast(F, (float) w[p + 192 + g]), even);
                odd = group(w, ql + 16, qh + 16, lowShift, highShift, x, xb + 16 * g + 16).fma(FloatVector.broadcast(F, (float) w[p + 193 + g]), odd);
            }
            acc = even.add(odd).fma(FloatVector.broadcast(F, half(w, p + 208) * d[b]), acc);
        }
        return Lanes.sum(acc);
    }

    /** 16 Q6_K values (minus 32) times x[xq..xq+16): exact integer lanes. */
    private static FloatVector group(byte[] w, int ql, int qh, int lowShift, int highShift, float[] x, int xq) {
        IntVector low = ByteVector.fromArray(B, w, ql).reinterpretAsInts();
        IntVector high = ByteVector.fromArray(B, w, qh).reinterpretAsInts();
        ByteVector q = low.lanewise(VectorOperators.LSHR, lowShift).and(0x0F0F0F0F)
                .or(high.lanewise(VectorOperators.LSHR, highShift).lanewise(VectorOperators.LSHL, 4).and(0x30303030))
                .reinterpretAsBytes();
        return DotVector.toFloat(q.sub((byte) 32)).mul(FloatVector.fromArray(F, x, xq));
    }

    /** The little-endian fp16 at w[p..p+2) as a float. */
    static float half(byte[] w, int p) {
        return Float.float16ToFloat((short) ((w[p] & 0xFF) | (w[p + 1] << 8)));
    }
}
