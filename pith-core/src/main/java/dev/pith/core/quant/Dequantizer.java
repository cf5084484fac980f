package dev.pith.core.quant;

import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Turns tensor bytes of any supported type into float32, value for value as ggml's reference
 * dequantizers (ggml-quants.c, gguf-py) do: the same block layouts and the same float operations in
 * the same order ({@code d*q}, {@code d*q + m}, {@code (d*sc)*q - dmin*m}), never fused into an FMA.
 */
public final class Dequantizer {
    private Dequantizer() {}

    /** Whether {@link #dequantize} understands this type. */
    public static boolean supports(DType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * Dequantizes {@code count} values (a whole number of blocks) starting at byte {@code srcByteOffset}
     * of {@code src} into {@code dst[dstOffset ...]}.
     */
    public static void dequantize(DType type, MemorySegment src, long srcByteOffset, float[] dst, int dstOffset, int count) {
        if (count % type.blockSize() != 0) {
            throw new IllegalArgumentException(count + " values is not a whole number of " + type + " blocks of " + type.blockSize());
        }
        int nb = count / type.blockSize();
        long o = srcByteOffset;
        switch (type) {
            case F32 -> MemorySegment.copy(src, Bytes.FLOAT_LE, o, dst, dstOffset, count); // one bulk copy, not a read per value
            case F16 -> { for (int i = 0; i < count; i++) dst[dstOffset + i] = Bytes.f16(src, o + 2L * i); }
            case BF16 -> { for (int i = 0; i < count; i++) dst[dstOffset + i] = Bytes.bf16(src, o + 2L * i); }
            case Q8_0 -> { for (int b = 0; b < nb; b++) LegacyBlocks.q8_0(src, o + 34L * b, dst, dstOffset + 32 * b); }
            case Q4_0 -> { for (int b = 0; b < nb; b++) LegacyBlocks.q4_0(src, o + 18L * b, dst, dstOffset + 32 * b); }
            case Q4_1 -> { for (int b = 0; b < nb; b++) LegacyBlocks.q4_1(src, o + 20L * b, dst, dstOffset + 32 * b); }
            case Q5_0 -> { for (int b = 0; b < nb; b++) LegacyBlocks.q5_0(src, o + 22L * b, dst, dstOffset + 32 * b); }
            case Q5_1 -> { for (int b = 0; b < nb; b++) LegacyBlocks.q5_1(src, o + 24L * b, dst, dstOffset + 32 * b); }
            case Q2_K -> { for (int b = 0; b < nb; b++) KBlocks.q2_K(src, o + 84L * b, dst, dstOffset + 256 * b); }
            case Q3_K -> { for (int b = 0; b < nb; b++) KBlocks.q3_K(src, o + 110L * b, dst, dstOffset + 256 * b); }
            case Q4_K -> { for (int b = 0; b < nb; b++) KBlocks.q4_K(src, o + 144L * b, dst, dstOffset + 256 * b); }
            case Q5_K -> { for (int b = 0; b < nb; b++) KBlocks.q5_K(src, o + 176L * b, dst, dstOffset + 256 * b); }
            case Q6_K -> { for (int b = 0; b < nb; b++) KBlocks.q6_K(src, o + 210L * b, dst, dstOffset + 256 * b); }
            default -> throw new PithException("tensor type " + type + " cannot be dequantized by Pith yet.");
        }
    }

    /** The whole tensor as floats, in storage order. */
    public static float[] dequantize(Tensor t) {
        long n = t.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new PithException("tensor " + t.name() + " has " + n + " values, too many for one float array.");
        }
        float[] out = new float[(int) n];
        int cols = t.cols();
        int rows = t.rows();
        long rowBytes = t.rowBytes();
        // Row by row: rows are whole blocks, and this keeps every offset a long.
        for (int r = 0; r < rows; r++) {
            dequantize(t.type(), t.data(), r * rowBytes, out, r * cols, cols);
        }
        return out;
    }

    /** Row {@code row} of a matrix (an embedding lookup) into {@code dst[off ... off+cols)}. */
    public static void getRow(Tensor t, int row, float[] dst, int off) {
        if (row < 0 || row >= t.rows()) {
            throw new IndexOutOfBoundsException("row " + row + " of tensor " + t.name() + " with " + t.rows() + " rows");
        }
        dequantize(t.type(), t.data(), row * t.rowBytes(), dst, off, t.cols());
    }
}
