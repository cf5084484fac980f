package dev.pith.core.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Byte work for the packed copies ({@link PackedGroups}), on eight bytes at a time in a long:
 * the nibble and 6-bit re-encodings of the quants, and byte-matrix transposes (rows of the file's
 * blocks become the copy's column lines). Plain long arithmetic rather than the Vector API on
 * purpose: packing runs once per tensor, mostly before the JIT has compiled it, and vector code runs
 * very slowly in the interpreter (with byte vectors the first tensors of a 1B model took about 3× longer to pack).
 *
 * <p>Each 8 × 8 transpose block is read as eight longs and transposed in three
 * rounds of swaps (single bytes between words 1 apart, pairs between words 2 apart, quads between
 * words 4 apart), so 64 bytes cost 8 loads, 8 stores and 72 shifts, masks and xors instead of 64
 * single-byte loads and stores with their bounds checks. {@link #scalarTranspose} is the plain twin the tests
 * compare with.
 */
final class PackBytes {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private PackBytes() {}

    private static final long LOW = 0x0F0F0F0F0F0F0F0FL, HIGH = 0xF0F0F0F0F0F0F0F0L, TOP = 0x8080808080808080L;

    /** The 8 little-endian bytes at b[o] as a long. */
    static long get(byte[] b, int o) {
        return (long) LONGS.get(b, o);
    }

    static void set(byte[] b, int o, long v) {
        LONGS.set(b, o, v);
    }

    /**
     * Per byte: a's low nibble (0..15) below b's low nibble minus 8 (a signed high nibble): the
     * copies' Q4 byte for rows i (a) and 16 + i (b). (x − 8) << 4 in a byte is x << 4 with its top bit flipped.
     */
    static long lowNibbles(long a, long b) {
        return (a & LOW) | (((b & LOW) << 4) ^ TOP);
    }

    /** {@link #lowNibbles} of the high nibbles. */
    static long highNibbles(long a, long b) {
        return ((a >>> 4) & LOW) | ((b & HIGH) ^ TOP);
    }

    /** Per byte, x − 32 for bytes 0..63 (as a signed byte): no borrow crosses a byte once each has its top bit set. */
    static long minus32(long x) {
        return ((x | TOP) - 0x2020202020202020L) ^ TOP;
    }

    /**
     * dst[d + dstStride·c + r] = src[s + srcStride·r + c] for r < rows, c < cols (both multiples of 8).
     */
    static void transpose(byte[] src, int s, int srcStride, int rows, int cols, byte[] dst, int d, int dstStride) {
        for (int r0 = 0; r0 < rows; r0 += 8) {
            for (int c0 = 0; c0 < cols; c0 += 8) block(src, s + srcStride * r0 + c0, srcStride, dst, d + dstStride * c0 + r0, dstStride);
        }
    }

    /** One 8 × 8 block: byte j of word x_r is element (r, j); after the three rounds byte r of x_j is. */
    private static void block(byte[] src, int at, int ss, byte[] dst, int to, int ds) {
        long x0 = (long) LONGS.get(src, at), x1 = (long) LONGS.get(src, at + ss), x2 = (long) LONGS.get(src, at + 2 * ss),
                x3 = (long) LONGS.get(src, at + 3 * ss), x4 = (long) LONGS.get(src, at + 4 * ss), x5 = (long) LONGS.get(src, at + 5 * ss),
                x6 = (long) LONGS.get(src, at + 6 * ss), x7 = (long) LONGS.get(src, at + 7 * ss);
        long t;
        t = ((x0 >>> 8) ^ x1) & 0x00FF00FF00FF00FFL; x1 ^= t; x0 ^= t << 8;
        t = ((x2 >>> 8) ^ x3) & 0x00FF00FF00FF00FFL; x3 ^= t; x2 ^= t << 8;
        t = ((x4 >>> 8) ^ x5) & 0x00FF00FF00FF00FFL; x5 ^= t; x4 ^= t << 8;
        t = ((x6 >>> 8) ^ x7) & 0x00FF00FF00FF00FFL; x7 ^= t; x6 ^= t << 8;
        t = ((x0 >>> 16) ^ x2) & 0x0000FFFF0000FFFFL; x2 ^= t; x0 ^= t << 16;
        t = ((x1 >>> 16) ^ x3) & 0x0000FFFF0000FFFFL; x3 ^= t; x1 ^= t << 16;
        t = ((x4 >>> 16) ^ x6) & 0x0000FFFF0000FFFFL; x6 ^= t; x4 ^= t << 16;
        t = ((x5 >>> 16) ^ x7) & 0x0000FFFF0000FFFFL; x7 ^= t; x5 ^= t << 16;
        t = ((x0 >>> 32) ^ x4) & 0x00000000FFFFFFFFL; x4 ^= t; x0 ^= t << 32;
        t = ((x1 >>> 32) ^ x5) & 0x00000000FFFFFFFFL; x5 ^= t; x1 ^= t << 32;
        t = ((x2 >>> 32) ^ x6) & 0x00000000FFFFFFFFL; x6 ^= t; x2 ^= t << 32;
        t = ((x3 >>> 32) ^ x7) & 0x00000000FFFFFFFFL; x7 ^= t; x3 ^= t << 32;
        LONGS.set(dst, to, x0);
        LONGS.set(dst, to + ds, x1);
        LONGS.set(dst, to + 2 * ds, x2);
        LONGS.set(dst, to + 3 * ds, x3);
        LONGS.set(dst, to + 4 * ds, x4);
        LONGS.set(dst, to + 5 * ds, x5);
        LONGS.set(dst, to + 6 * ds, x6);
        LONGS.set(dst, to + 7 * ds, x7);
    }

    /** The scalar twin of {@link #transpose}. */
    static void scalarTranspose(byte[] src, int s, int srcStride, int rows, int cols, byte[] dst, int d, int dstStride) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) dst[d + dstStride * c + r] = src[s + srcStride * r + c];
        }
    }
}
