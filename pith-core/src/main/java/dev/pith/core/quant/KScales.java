package dev.pith.core.quant;

import java.lang.foreign.MemorySegment;

/**
 * The packed sub-block scales of the K-quant super-blocks (ggml's get_scale_min_k4 and the Q3_K
 * scale shuffle), decoded one at a time.
 */
public final class KScales {
    private KScales() {}

    /**
     * Q4_K / Q5_K: the 6-bit scale of sub-block {@code j} (0..7) from the 12 scale bytes at {@code off}.
     * Sub-blocks 0..3 keep theirs in the low 6 bits of bytes 0..3; 4..7 split theirs into a low
     * nibble in bytes 8..11 and two high bits on top of bytes 0..3.
     */
    public static int scaleK4(MemorySegment s, long off, int j) {
        if (j < 4) return Bytes.u8(s, off + j) & 63;
        return (Bytes.u8(s, off + j + 4) & 0xF) | ((Bytes.u8(s, off + j - 4) >>> 6) << 4);
    }

    /** Q4_K / Q5_K: the 6-bit min of sub-block {@code j} (0..7); same packing, bytes 4..7 and high nibbles. */
    public static int minK4(MemorySegment s, long off, int j) {
        if (j < 4) return Bytes.u8(s, off + j + 4) & 63;
        return (Bytes.u8(s, off + j + 4) >>> 4) | ((Bytes.u8(s, off + j) >>> 6) << 4);
    }

    /**
     * Q3_K: the signed scale (6 bits, minus 32) of 16-element group {@code j} (0..15) from the 12
     * scale bytes at {@code off}: low nibbles in bytes 0..7 (groups 8..15 use the high nibble),
     * two high bits per group in bytes 8..11.
     */
    public static int scaleQ3K(MemorySegment s, long off, int j) {
        int low = (Bytes.u8(s, off + (j & 7)) >>> (j < 8 ? 0 : 4)) & 0xF;
        int high = (Bytes.u8(s, off + 8 + (j & 3)) >>> (2 * (j >>> 2))) & 3;
        return (low | (high << 4)) - 32;
    }

    /**
     * All eight Q4_K / Q5_K scales at once, sub-block j in byte j of the result: the same unpacking
     * as {@link #scaleK4}, done on three 32-bit words (each byte mask applies per byte, so the bits
     * a shift carries in from a neighbouring byte are dropped).
     */
    public static long scalesK4(MemorySegment s, long off) {
        int a = Bytes.i32(s, off), c = Bytes.i32(s, off + 8);
        int low = a & 0x3F3F3F3F;
        int high = (c & 0x0F0F0F0F) | (((a >>> 6) & 0x03030303) << 4);
        return (low & 0xFFFFFFFFL) | ((long) high << 32);
    }

    /** All eight Q4_K / Q5_K mins at once, sub-block j in byte j (see {@link #minK4}). */
    public static long minsK4(MemorySegment s, long off) {
        int b = Bytes.i32(s, off + 4), c = Bytes.i32(s, off + 8);
        int low = b & 0x3F3F3F3F;
        int high = ((c >>> 4) & 0x0F0F0F0F) | (((b >>> 6) & 0x03030303) << 4);
        return (low & 0xFFFFFFFFL) | ((long) high << 32);
    }

    /** Byte j of a packed scale word. */
    public static int at(long packed, int j) {
        return (int) (packed >>> (8 * j)) & 0xFF;
    }
}
