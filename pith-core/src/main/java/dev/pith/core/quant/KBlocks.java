package dev.pith.core.quant;

import java.lang.foreign.MemorySegment;

/**
 * Dequantization of ggml's 256-value K-quant super-blocks. Layouts (ggml-common.h), byte offsets:
 * <pre>
 * Q2_K  84 B: scales[16] @0 (low nibble scale, high nibble min), qs[64] @16, half d @80, half dmin @82
 * Q3_K 110 B: hmask[32] @0, qs[64] @32, scales[12] @96 (6-bit, offset 32), half d @108
 * Q4_K 144 B: half d @0, half dmin @2, scales[12] @4 (6-bit scales and mins), qs[128] @16
 * Q5_K 176 B: half d @0, half dmin @2, scales[12] @4, qh[32] @16, qs[128] @48
 * Q6_K 210 B: ql[128] @0, qh[64] @128, int8 scales[16] @192, half d @208
 * </pre>
 * Each loop writes values in the order ggml's dequantize_row_* does and computes each one with the
 * same float expression.
 */
final class KBlocks {
    private KBlocks() {}

    static void q2_K(MemorySegment s, long o, float[] y, int yo) {
        float d = Bytes.f16(s, o + 80);
        float dmin = Bytes.f16(s, o + 82);
        int is = 0;
        for (int n = 0; n < 2; n++) {
            long q = o + 16 + 32L * n;
            for (int j = 0; j < 4; j++) {
                int shift = 2 * j;
                for (int half = 0; half < 2; half++) {
                    int sc = Bytes.u8(s, o + is++);
                    float dl = d * (sc & 0xF);
                    float ml = dmin * (sc >>> 4);
                    for (int l = 0; l < 16; l++) {
                        int v = (Bytes.u8(s, q + 16 * half + l) >>> shift) & 3;
                        y[yo++] = dl * v - ml;
                    }
                }
            }
        }
    }

    static void q3_K(MemorySegment s, long o, float[] y, int yo) {
        float d = Bytes.f16(s, o + 108);
        int is = 0;
        for (int n = 0; n < 2; n++) {
            long q = o + 32 + 32L * n;
            for (int j = 0; j < 4; j++) {
                int shift = 2 * j;
                int m = 1 << (4 * n + j);
                for (int half = 0; half < 2; half++) {
                    float dl = d * KScales.scaleQ3K(s, o + 96, is++);
                    for (int l = 0; l < 16; l++) {
                        int idx = 16 * half + l;
                        int low = (Bytes.u8(s, q + idx) >>> shift) & 3;
                        int high = (Bytes.u8(s, o + idx) & m) != 0 ? 0 : 4;
                        y[yo++] = dl * (low - high);
                    }
                }
            }
        }
    }

    static void q4_K(MemorySegment s, long o, float[] y, int yo) {
        float d = Bytes.f16(s, o);
        float dmin = Bytes.f16(s, o + 2);
        for (int j = 0; j < 4; j++) {
            float d1 = d * KScales.scaleK4(s, o + 4, 2 * j);
            float m1 = dmin * KScales.minK4(s, o + 4, 2 * j);
            float d2 = d * KScales.scaleK4(s, o + 4, 2 * j + 1);
            float m2 = dmin * KScales.minK4(s, o + 4, 2 * j + 1);
            long q = o + 16 + 32L * j;
            for (int l = 0; l < 32; l++) y[yo + 64 * j + l] = d1 * (Bytes.u8(s, q + l) & 0xF) - m1;
            for (int l = 0; l < 32; l++) y[yo + 64 * j + 32 + l] = d2 * (Bytes.u8(s, q + l) >>> 4) - m2;
        }
    }

    static void q5_K(MemorySegment s, long o, float[] y, int yo) {
        float d = Bytes.f16(s, o);
        float dmin = Bytes.f16(s, o + 2);
        for (int j = 0; j < 4; j++) {
            float d1 = d * KScales.scaleK4(s, o + 4, 2 * j);
            float m1 = dmin * KScales.minK4(s, o + 4, 2 * j);
            float d2 = d * KScales.scaleK4(s, o + 4, 2 * j + 1);
            float m2 = dmin * KScales.minK4(s, o + 4, 2 * j + 1);
            int u1 = 1 << (2 * j), u2 = 1 << (2 * j + 1);
            long ql = o + 48 + 32L * j;
            for (int l = 0; l < 32; l++) {
                int hi = (Bytes.u8(s, o + 16 + l) & u1) != 0 ? 16 : 0;
                y[yo + 64 * j + l] = d1 * ((Bytes.u8(s, ql + l) & 0xF) + hi) - m1;
            }
            for (int l = 0; l < 32; l++) {
                int hi = (Bytes.u8(s, o + 16 + l) & u2) != 0 ? 16 : 0;
                y[yo + 64 * j + 32 + l] = d2 * ((Bytes.u8(s, ql + l) >>> 4) + hi) - m2;
            }
        }
    }

    static void q6_K(MemorySegment s, long o, float[] y, int yo) {
        float d = Bytes.f16(s, o + 208);
        for (int n = 0; n < 2; n++) {
            long ql = o + 64L * n;
            long qh = o + 128 + 32L * n;
            long sc = o + 192 + 8L * n;
            int yb = yo + 128 * n;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int h = Bytes.u8(s, qh + l);
                int a = Bytes.u8(s, ql + l);
                int b = Bytes.u8(s, ql + l + 32);
                int q1 = ((a & 0xF) | ((h & 3) << 4)) - 32;
                int q2 = ((b & 0xF) | (((h >>> 2) & 3) << 4)) - 32;
                int q3 = ((a >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                int q4 = ((b >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                y[yb + l] = d * Bytes.i8(s, sc + is) * q1;
                y[yb + l + 32] = d * Bytes.i8(s, sc + is + 2) * q2;
                y[yb + l + 64] = d * Bytes.i8(s, sc + is + 4) * q3;
                y[yb + l + 96] = d * Bytes.i8(s, sc + is + 6) * q4;
            }
        }
    }
}
