package dev.pith.core.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import static dev.pith.core.kernel.DotVector.B;
import static dev.pith.core.kernel.DotVector.F;

/**
 * Quantized rows × one activation vector, reading rows that {@link DecodeRows} copied into a byte
 * array (row at {@code w[o..]}; 16 float lanes only). Each kernel computes the same sums, in the
 * same lanes and order, as its {@link DotVector} twin on the memory segment, so the bits are equal
 * (DecodeRowsTest).
 *
 * <p>Why copies: one bulk copy of four rows streams from memory faster than the kernels' own
 * 16-byte loads interleaved with unpacking (1B FFN shape, 2 threads: Q8_0 12 → 14.5 GB/s; F16, which
 * {@link DecodeRows} treats the same way, 12 → 18), and with int indices into an array C2 hoists
 * the bounds checks it kept per access on the segment for Q6_K (whose kernel runs 1.5× faster here
 * from L2 alone).
 */
final class CopiedRows {
    private CopiedRows() {}

    /** Q8_0 against Q8_0 activations (quants x, block scales d): {@link DotVector#q8_0}'s sums. */
    static float q8_0(byte[] w, int o, float[] x, float[] d, int nb) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            int p = o + 34 * b;
            FloatVector sum = DotVector.toFloat(ByteVector.fromArray(B, w, p + 2)).mul(FloatVector.fromArray(F, x, 32 * b));
            // Exact integer lanes: the FMA has the bits of multiply-then-add (one instruction fewer).
            sum = DotVector.toFloat(ByteVector.fromArray(B, w, p + 18)).fma(FloatVector.fromArray(F, x, 32 * b + 16), sum);
            acc = sum.fma(FloatVector.broadcast(F, half(w, p) * d[b]), acc);
        }
        return Lanes.sum(acc);
    }

    /** Q4_K against Q8_K activations (quants x, scales d, 32-value sums pairs): {@link DotVector#q4_K}'s sums. */
    static float q4_K(byte[] w, int o, float[] x, float[] d, int[] pairs, int nb) {
        FloatVector acc = FloatVector.zero(F);
        float mins = 0f;
        for (int b = 0; b < nb; b++) {
            int p = o + 144 * b;
            int xb = 256 * b;
            // KScales.scalesK4 / minsK4 on the array: sub-block j's 6-bit scale / min in byte j.
            int s0 = i32(w, p + 4), s1 = i32(w, p + 8), s2 = i32(w, p + 12);
            long scales = (s0 & 0x3F3F3F3FL) | ((long) ((s2 & 0x0F0F0F0F) | (((s0 >>> 6) & 0x03030303) << 4)) << 32);
            long minima = (s1 & 0x3F3F3F3FL) | ((long) (((s2 >>> 4) & 0x0F0F0F0F) | (((s1 >>> 6) & 0x03030303) << 4)) << 32);
            FloatVector even = FloatVector.zero(F), odd = even;
            for (int j = 0; j < 4; j++) {
                int q = p + 16 + 32 * j;
                int x1 = xb + 64 * j, x2 = x1 + 32;
                IntVector v0 = widen(w, q), v1 = widen(w, q + 16);
                FloatVector sum1 = nibbles(v0).mul(FloatVector.fromArray(F, x, x1));
                sum1 = nibbles(v1).fma(FloatVector.fromArray(F, x, x1 + 16), sum1);
                FloatVector sum2 = nibbles(v0.lanewise(VectorOperators.LSHR, 4)).mul(FloatVector.fromArray(F, x, x2));
                sum2 = nibbles(v1.lanewise(VectorOperators.LSHR, 4)).fma(FloatVector.fromArray(F, x, x2 + 16), sum2);
                even = sum1.fma(FloatVector.broadcast(F, (float) ((scales >>> (16 * j)) & 0xFF)), even);
                odd = sum2.fma(FloatVector.broadcast(F, (float) ((scales >>> (16 * j + 8)) & 0xFF)), odd);
            }
            float yd = d[b];
            acc = even.add(odd).fma(FloatVector.broadcast(F, half(w, p) * yd), acc);
            mins += half(w, p + 2) * yd * minTerm(minima, pairs, 8 * b);
        }
        return Lanes.sum(acc) - mins;
    }

    /** Q6_K against Q8_K activations (quants x, scales d): {@link DotVector#q6_K}'s sums. */
    static float q6_K(byte[] w, int o, float[] x, float[] d, int nb) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            int p = o + 210 * b;
            int xb = 256 * b;
            FloatVector even = FloatVector.zero(F), odd = even;
            for (int g = 0; g < 16; g += 2) {
                // Groups g (offset 0) and g+1 (offset 16) of half h, quarter k: low (k = 0, 1) or high
                // (k = 2, 3) nibble of ql[32*(k%2) + l], bits 2k..2k+1 of qh[l] as bits 4-5.
                int h = g >>> 3, k = (g >>> 1) & 3;
                int ql = p + 64 * h + 32 * (k & 1), qh = p + 128 + 32 * h;
                int lowShift = 4 * (k >>> 1), highShift = 2 * k;
                even = q6Group(w, ql, qh, lowShift, highShift, x, xb + 16 * g).fma(FloatVector.broadcast(F, (float) w[p + 192 + g]), even);
                odd = q6Group(w, ql + 16, qh + 16, lowShift, highShift, x, xb + 16 * g + 16).fma(FloatVector.broadcast(F, (float) w[p + 193 + g]), odd);
            }
            acc = even.add(odd).fma(FloatVector.broadcast(F, half(w, p + 208) * d[b]), acc);
        }
        return Lanes.sum(acc);
    }

    /** 16 Q6_K values (minus 32) times x[xq..xq+16): exact integer lanes. */
    private static FloatVector q6Group(byte[] w, int ql, int qh, int lowShift, int highShift, float[] x, int xq) {
        IntVector low = ByteVector.fromArray(B, w, ql).reinterpretAsInts();
        IntVector high = ByteVector.fromArray(B, w, qh).reinterpretAsInts();
        ByteVector q = low.lanewise(VectorOperators.LSHR, lowShift).and(0x0F0F0F0F)
                .or(high.lanewise(VectorOperators.LSHR, highShift).lanewise(VectorOperators.LSHL, 4).and(0x30303030))
                .reinterpretAsBytes();
        return DotVector.toFloat(q.sub((byte) 32)).mul(FloatVector.fromArray(F, x, xq));
    }

    /**
     * {@link DotVector#minTerm} from 32-value activation sums ({@link #pairSums}): the same exact
     * integer with half the loads and adds.
     */
    private static int minTerm(long minima, int[] pairs, int first) {
        int sum = 0;
        for (int j = 0; j < 8; j++) sum += (int) ((minima >>> (8 * j)) & 0xFF) * pairs[first + j];
        return sum;
    }

    /** Q8_K's 16-value sums added in pairs: the sum of each 32-value sub-block's quants. */
    static int[] pairSums(short[] bsums, int cols) {
        int[] pairs = new int[cols / 32];
        for (int i = 0; i < pairs.length; i++) pairs[i] = bsums[2 * i] + bsums[2 * i + 1];
        return pairs;
    }

    /** 16 bytes at w[q..] zero-extended to int lanes. */
    private static IntVector widen(byte[] w, int q) {
        return (IntVector) ByteVector.fromArray(B, w, q).convertShape(VectorOperators.ZERO_EXTEND_B2I, IntVector.SPECIES_512, 0);
    }

    /** The low nibble of each int lane as a float (the permute index wraps to the low 4 bits). */
    private static FloatVector nibbles(IntVector v) {
        return v.selectFrom(DotVector.NIBBLE).reinterpretAsFloats();
    }

    // Little-endian views of the byte array: one load each instead of four (two) byte loads with
    // shifts and ors (Q4_K reads three scale words and two halves per 256 values; fewer instructions
    // there leave more issue slots to the vector work).
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_LE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private static int i32(byte[] w, int p) {
        return (int) INT_LE.get(w, p);
    }

    /** The little-endian fp16 at w[p..p+2) as a float. */
    static float half(byte[] w, int p) {
        return Float.float16ToFloat((short) SHORT_LE.get(w, p));
    }
}
