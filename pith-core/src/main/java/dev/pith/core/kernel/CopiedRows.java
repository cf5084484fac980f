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
 * <p>Why copies: with int indices into an array C2 hoists the bounds checks it kept per access on
 * the segment (Q6_K's kernel runs 1.5× faster from L2 alone), and on a Xeon a bulk copy streamed
 * faster than the kernels' own 16-byte loads interleaved with unpacking (1B FFN shape, 2 threads:
 * Q8_0 12 → 14.5 GB/s). On an AMD EPYC (Zen 4) Q8_0 streams faster straight from the mapping, so
 * {@link DecodeRows} copies only Q4_K and Q6_K rows by default.
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

    /**
     * Q6_K against Q8_K activations (quants x, scales d): {@link DotVector#q6_K}'s sums. Each pass
     * widens 16 bytes of both ql rows and of qh to int lanes once and serves the four quarters
     * that share them (lane i is value l0 + i of each quarter): a value is {@code NIBBLE[low 4 bits]
     * + HIGH6[2 high bits]} (two one-instruction table permutes and an exact add of small integers)
     * instead of byte shifts, masks, an or, a subtraction and a byte → float widening per group.
     */
    static float q6_K(byte[] w, int o, float[] x, float[] d, int nb) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            int p = o + 210 * b;
            int xb = 256 * b;
            FloatVector even = FloatVector.zero(F), odd = even;
            for (int pass = 0; pass < 4; pass++) {
                // Half h = pass / 2, offset l0 = 16 * (pass % 2): ql[0..32) holds quarters 0 (low
                // nibbles) and 2 (high), ql[32..64) quarters 1 and 3; qh[l] bits 2k..2k+1 are quarter
                // k's high bits. Quarter k's group is g = 8h + 2k + l0/16, even or odd by l0; its
                // scale is sc[2k].
                int h = pass >>> 1, l0 = 16 * (pass & 1);
                int ql = p + 64 * h + l0, sc = p + 192 + 8 * h + (pass & 1), xq = xb + 128 * h + l0;
                IntVector lowA = widen(w, ql), lowB = widen(w, ql + 32), high = widen(w, p + 128 + 32 * h + l0);
                FloatVector chain = (pass & 1) == 0 ? even : odd;
                chain = q6Group(lowA, high, x, xq).fma(FloatVector.broadcast(F, (float) w[sc]), chain);
                chain = q6Group(lowB, high.lanewise(VectorOperators.LSHR, 2), x, xq + 32).fma(FloatVector.broadcast(F, (float) w[sc + 2]), chain);
                chain = q6Group(lowA.lanewise(VectorOperators.LSHR, 4), high.lanewise(VectorOperators.LSHR, 4), x, xq + 64)
                        .fma(FloatVector.broadcast(F, (float) w[sc + 4]), chain);
                chain = q6Group(lowB.lanewise(VectorOperators.LSHR, 4), high.lanewise(VectorOperators.LSHR, 6), x, xq + 96)
                        .fma(FloatVector.broadcast(F, (float) w[sc + 6]), chain);
                if ((pass & 1) == 0) even = chain;
                else odd = chain;
            }
            acc = even.add(odd).fma(FloatVector.broadcast(F, half(w, p + 208) * d[b]), acc);
        }
        return Lanes.sum(acc);
    }

    /** 16 values (low nibble of each {@code low} lane, bits 0-1 of each {@code high} lane as bits 4-5, minus 32) times x[xq..xq+16). */
    private static FloatVector q6Group(IntVector low, IntVector high, float[] x, int xq) {
        FloatVector q = nibbles(low).add(high.selectFrom(HIGH6).reinterpretAsFloats());
        return q.mul(FloatVector.fromArray(F, x, xq));
    }

    /** Lane j holds the float 16 * (j mod 4) - 32: a Q6_K value's two high bits (the index wraps to its low 4 bits) with the -32 offset. */
    private static final IntVector HIGH6 = DotVector.AVAILABLE && DotVector.L == 16 ? highSixTable() : null;

    private static IntVector highSixTable() {
        int[] bits = new int[16];
        for (int j = 0; j < 16; j++) bits[j] = Float.floatToRawIntBits(16 * (j & 3) - 32);
        return IntVector.fromArray(IntVector.SPECIES_512, bits, 0);
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

    /** Q8_K's 16-value sums added in pairs into {@code pairs[0, cols/32)}: the sum of each 32-value sub-block's quants. */
    static void pairSums(short[] bsums, int cols, int[] pairs) {
        for (int i = 0; i < cols / 32; i++) pairs[i] = bsums[2 * i] + bsums[2 * i + 1];
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
