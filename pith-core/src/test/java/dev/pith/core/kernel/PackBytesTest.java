package dev.pith.core.kernel;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The long-word byte transpose equals its scalar twin for any shape, offsets and strides, and writes
 * nothing else; the eight-byte re-encodings equal the packers' per-byte formulas.
 */
class PackBytesTest {
    @Property(tries = 200)
    void equalsTheScalarTwin(@ForAll @IntRange(min = 1, max = 5) int rowBlocks, @ForAll @IntRange(min = 1, max = 5) int colBlocks,
                             @ForAll @IntRange(min = 0, max = 13) int s, @ForAll @IntRange(min = 0, max = 9) int d,
                             @ForAll @IntRange(min = 0, max = 11) int extraSrc, @ForAll @IntRange(min = 0, max = 7) int extraDst,
                             @ForAll long seed) {
        int rows = 8 * rowBlocks, cols = 8 * colBlocks, srcStride = cols + extraSrc, dstStride = rows + extraDst;
        byte[] src = new byte[s + srcStride * rows + 8];
        new SplittableRandom(seed).nextBytes(src);
        byte[] fast = new byte[d + dstStride * cols + 8], slow = new byte[fast.length];
        new SplittableRandom(seed + 1).nextBytes(fast);
        System.arraycopy(fast, 0, slow, 0, fast.length);
        PackBytes.transpose(src, s, srcStride, rows, cols, fast, d, dstStride);
        PackBytes.scalarTranspose(src, s, srcStride, rows, cols, slow, d, dstStride);
        assertThat(fast).containsExactly(slow);
    }

    @Property(tries = 500)
    void nibblePairsAreThePerByteFormulas(@ForAll long a, @ForAll long b) {
        long low = PackBytes.lowNibbles(a, b), high = PackBytes.highNibbles(a, b);
        for (int k = 0; k < 8; k++) {
            int x = (byte) (a >>> 8 * k), y = (byte) (b >>> 8 * k);
            assertThat((byte) (low >>> 8 * k)).isEqualTo((byte) ((x & 0xF) | ((y & 0xF) - 8) << 4));
            assertThat((byte) (high >>> 8 * k)).isEqualTo((byte) (((x >> 4) & 0xF) | (((y >> 4) & 0xF) - 8) << 4));
        }
    }

    @Property(tries = 500)
    void minus32OfSixBitBytes(@ForAll long any) {
        long x = any & 0x3F3F3F3F3F3F3F3FL, v = PackBytes.minus32(x);
        for (int k = 0; k < 8; k++) assertThat((byte) (v >>> 8 * k)).isEqualTo((byte) (((x >>> 8 * k) & 0x3F) - 32));
    }
}
