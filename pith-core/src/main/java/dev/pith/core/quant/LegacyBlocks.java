package dev.pith.core.quant;

import java.lang.foreign.MemorySegment;

/**
 * Dequantization of ggml's 32-value blocks. Layouts (ggml-common.h), all little-endian:
 * <pre>
 * Q8_0: half d, int8 qs[32]                         value = d*q
 * Q4_0: half d, uint8 qs[16]                        value = d*(nibble-8)
 * Q4_1: half d, half m, uint8 qs[16]                value = d*nibble + m
 * Q5_0: half d, uint32 qh, uint8 qs[16]             value = d*(nibble|bit<<4 - 16)
 * Q5_1: half d, half m, uint32 qh, uint8 qs[16]     value = d*(nibble|bit<<4) + m
 * </pre>
 * Byte j of qs holds value j in its low nibble and value j+16 in its high nibble; bit j of qh is the
 * fifth bit of value j.
 */
final class LegacyBlocks {
    private LegacyBlocks() {}

    static void q8_0(MemorySegment s, long o, float[] y, int yo) {
        float d = Bytes.f16(s, o);
        for (int j = 0; j < 32; j++) y[yo + j] = Bytes.i8(s, o + 2 + j) * d;
    }

    static void q4_0(MemorySegment s, long o, float[] y, int yo) {
        float d = Bytes.f16(s, o);
        for (int j = 0; j < 16; j++) {
            int q = Bytes.u8(s, o + 2 + j);
            y[yo + j] = ((q & 0xF) - 8) * d;
            y[yo + j + 16] = ((q >>> 4) - 8) * d;
        }
    }

    static void q4_1(MemorySegment s, long o, float[] y, int yo) {
        float d = Bytes.f16(s, o);
        float m = Bytes.f16(s, o + 2);
        for (int j = 0; j < 16; j++) {
            int q = Bytes.u8(s, o + 4 + j);
            y[yo + j] = (q & 0xF) * d + m;
            y[yo + j + 16] = (q >>> 4) * d + m;
        }
    }

    static void q5_0(MemorySegment s, long o, float[] y, int yo) {
        float d = Bytes.f16(s, o);
        int qh = Bytes.i32(s, o + 2);
        for (int j = 0; j < 16; j++) {
            int q = Bytes.u8(s, o + 6 + j);
            int x0 = ((q & 0xF) | (((qh >>> j) & 1) << 4)) - 16;
            int x1 = ((q >>> 4) | (((qh >>> (j + 16)) & 1) << 4)) - 16;
            y[yo + j] = x0 * d;
            y[yo + j + 16] = x1 * d;
        }
    }

    static void q5_1(MemorySegment s, long o, float[] y, int yo) {
        float d = Bytes.f16(s, o);
        float m = Bytes.f16(s, o + 2);
        int qh = Bytes.i32(s, o + 4);
        for (int j = 0; j < 16; j++) {
            int q = Bytes.u8(s, o + 8 + j);
            int x0 = (q & 0xF) | (((qh >>> j) & 1) << 4);
            int x1 = (q >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
            y[yo + j] = x0 * d + m;
            y[yo + j + 16] = x1 * d + m;
        }
    }
}
