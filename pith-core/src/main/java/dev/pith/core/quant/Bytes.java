package dev.pith.core.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Little-endian reads from block data. ggml files are little-endian and blocks pack fields with no
 * alignment, so every multi-byte read is unaligned.
 */
public final class Bytes {
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Bytes() {}

    /** Unsigned byte. */
    public static int u8(MemorySegment s, long off) { return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF; }

    /** Signed byte. */
    public static int i8(MemorySegment s, long off) { return s.get(ValueLayout.JAVA_BYTE, off); }

    public static short i16(MemorySegment s, long off) { return s.get(SHORT_LE, off); }

    public static int i32(MemorySegment s, long off) { return s.get(INT_LE, off); }

    public static float f32(MemorySegment s, long off) { return s.get(FLOAT_LE, off); }

    /** An IEEE half (ggml_half) widened to float; exact. */
    public static float f16(MemorySegment s, long off) { return Float.float16ToFloat(s.get(SHORT_LE, off)); }

    /** A bfloat16 widened to float; exact. */
    public static float bf16(MemorySegment s, long off) { return Bf16.toFloat(s.get(SHORT_LE, off)); }
}
