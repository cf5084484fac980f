package dev.pith.core.quant;

import dev.pith.core.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Encodes float rows into the stored bytes of a tensor type Pith can write: F32, F16 and BF16
 * (round to nearest even, as ggml's converters do) and the round-to-nearest block quantizers of
 * {@link Quantizer}. Used by model initialisation and type conversion.
 */
public final class RowEncoder {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    /** Each thread's staging buffer for one row's blocks (rows are encoded millions of times per model). */
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[0]);

    private RowEncoder() {}

    /** Whether {@link #encode} can write this type. */
    public static boolean supports(DType type) {
        return type == DType.F32 || type == DType.F16 || type == DType.BF16 || Quantizer.supports(type);
    }

    /**
     * The type a row of {@code cols} values is stored in when {@code wanted} is asked for: the type
     * itself, or F16 when the row is not a whole number of its blocks (llama-quantize's last
     * fallback for such rows).
     */
    public static DType typeForRow(DType wanted, long cols) {
        return cols % wanted.blockSize() == 0 ? wanted : DType.F16;
    }

    /** Writes {@code x[xo .. xo+count)} as {@code type} into {@code dst} at byte {@code dstOff}. */
    public static void encode(DType type, float[] x, int xo, int count, MemorySegment dst, long dstOff) {
        switch (type) {
            case F32 -> { for (int i = 0; i < count; i++) dst.set(F32_LE, dstOff + 4L * i, x[xo + i]); }
            case F16 -> { for (int i = 0; i < count; i++) dst.set(I16_LE, dstOff + 2L * i, Float.floatToFloat16(x[xo + i])); }
            case BF16 -> { for (int i = 0; i < count; i++) dst.set(I16_LE, dstOff + 2L * i, Bf16.fromFloat(x[xo + i])); }
            default -> {
                if (!Quantizer.supports(type)) throw new IllegalArgumentException("Pith cannot write tensors of type " + type + " yet");
                int n = Math.toIntExact(type.bytesFor(count));
                byte[] bytes = SCRATCH.get();
                if (bytes.length < n) SCRATCH.set(bytes = new byte[n]);
                Quantizer.quantize(type, x, xo, count, bytes);
                MemorySegment.copy(bytes, 0, dst, ValueLayout.JAVA_BYTE, dstOff, n);
            }
        }
    }
}
