package dev.pith.core.quant;

import dev.pith.core.DType;

import java.lang.foreign.MemorySegment;

/**
 * The values one ggml block can represent once its scales are fixed: for position {@code i} of the
 * block and integer code {@code q}, {@link #value} is exactly what {@link Dequantizer} gives for
 * that code (same float expression), and {@link #pack} writes chosen codes into the block without
 * touching its scales. Methods that pick the codes themselves (GPTQ) use it to keep the result an
 * ordinary ggml block.
 *
 * <p>Codes are ggml's stored integers: Q8_0 -128..127; Q4_0/Q4_1/Q4_K 0..15; Q5_0/Q5_1/Q5_K
 * 0..31; Q2_K 0..3; Q3_K 0..7 (value uses code-4); Q6_K 0..63 (value uses code-32).
 */
public final class BlockGrid {
    private BlockGrid() {}

    /** Whether the type has a grid here (the block-quantized types Pith writes). */
    public static boolean supports(DType t) {
        return Quantizer.supports(t);
    }

    public static int minCode(DType t) {
        return t == DType.Q8_0 ? -128 : 0;
    }

    public static int maxCode(DType t) {
        return switch (t) {
            case Q8_0 -> 127;
            case Q4_0, Q4_1, Q4_K -> 15;
            case Q5_0, Q5_1, Q5_K -> 31;
            case Q2_K -> 3;
            case Q3_K -> 7;
            case Q6_K -> 63;
            default -> throw new IllegalArgumentException("no grid for " + t);
        };
    }

    private static float half(byte[] y, int off) {
        return KQuantizer.half(y, off);
    }

    /** The value code {@code q} stands for at position {@code i} of the block at {@code y[yo..]}. */
    public static float value(DType t, byte[] y, int yo, int i, int q) {
        switch (t) {
            case Q8_0: return q * half(y, yo);
            case Q4_0: return (q - 8) * half(y, yo);
            case Q4_1: return q * half(y, yo) + half(y, yo + 2);
            case Q5_0: return (q - 16) * half(y, yo);
            case Q5_1: return q * half(y, yo) + half(y, yo + 2);
            case Q2_K: {
                int sc = y[yo + i / 16] & 0xFF;
                float dl = half(y, yo + 80) * (sc & 0xF);
                float ml = half(y, yo + 82) * (sc >>> 4);
                return dl * q - ml;
            }
            case Q3_K: {
                float dl = half(y, yo + 108) * KScales.scaleQ3K(MemorySegment.ofArray(y), yo + 96, i / 16);
                return dl * (q - 4);
            }
            case Q4_K, Q5_K: {
                MemorySegment s = MemorySegment.ofArray(y);
                float d1 = half(y, yo) * KScales.scaleK4(s, yo + 4, i / 32);
                float m1 = half(y, yo + 2) * KScales.minK4(s, yo + 4, i / 32);
                return d1 * q - m1;
            }
            case Q6_K: return half(y, yo + 208) * y[yo + 192 + i / 16] * (q - 32);
            default: throw new IllegalArgumentException("no grid for " + t);
        }
    }

    /** The code whose value is nearest to {@code x} at position {@code i} (the lowest such code on ties). */
    public static int nearest(DType t, byte[] y, int yo, int i, float x) {
        int lo = minCode(t), hi = maxCode(t);
        float v0 = value(t, y, yo, i, lo), v1 = value(t, y, yo, i, lo + 1);
        float step = v1 - v0;
        int guess = step == 0 ? lo : (int) Math.max(lo, Math.min(hi, Math.round((x - v0) / step) + lo));
        int best = guess;
        float bestErr = Math.abs(x - value(t, y, yo, i, guess));
        for (int q = Math.max(lo, guess - 1); q <= Math.min(hi, guess + 1); q++) {
            float e = Math.abs(x - value(t, y, yo, i, q));
            if (e < bestErr || (e == bestErr && q < best)) {
                best = q;
                bestErr = e;
            }
        }
        return best;
    }

    /** Writes the block's codes {@code q[0 .. blockSize)} into its quant fields; scales stay as they are. */
    public static void pack(DType t, int[] q, byte[] y, int yo) {
        byte[] L = new byte[q.length];
        for (int i = 0; i < q.length; i++) L[i] = (byte) q[i];
        switch (t) {
            case Q8_0 -> { for (int j = 0; j < 32; j++) y[yo + 2 + j] = L[j]; }
            case Q4_0 -> nibbles(L, y, yo + 2, -1);
            case Q4_1 -> nibbles(L, y, yo + 4, -1);
            case Q5_0 -> nibbles(L, y, yo + 6, yo + 2);
            case Q5_1 -> nibbles(L, y, yo + 8, yo + 4);
            case Q2_K -> KQuantizer.packQuantsQ2K(L, y, yo);
            case Q3_K -> KQuantizer.packQuantsQ3K(L, y, yo);
            case Q4_K -> KQuantizer.packQuantsQ4K(L, y, yo);
            case Q5_K -> KQuantizer.packQuantsQ5K(L, y, yo);
            case Q6_K -> KQuantizer.packQuantsQ6K(L, y, yo);
            default -> throw new IllegalArgumentException("no grid for " + t);
        }
    }

    /** Low nibbles of values j and j+16 in byte j of qs; with qhOff >= 0 the fifth bits go to a little-endian uint32 there. */
    static void nibbles(byte[] L, byte[] y, int qs, int qhOff) {
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int a = L[j] & 0xFF, b = L[j + 16] & 0xFF;
            y[qs + j] = (byte) ((a & 0xF) | ((b & 0xF) << 4));
            qh |= ((a >>> 4) & 1) << j;
            qh |= ((b >>> 4) & 1) << (j + 16);
        }
        if (qhOff >= 0) for (int i = 0; i < 4; i++) y[qhOff + i] = (byte) (qh >>> (8 * i));
    }
}
