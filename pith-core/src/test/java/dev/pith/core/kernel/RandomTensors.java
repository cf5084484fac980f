package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Bf16;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/**
 * Random weight matrices of every type, in native memory like a mapped file. Quantized blocks get
 * random quant bits, and their fp16 scale fields are overwritten with sane values so that no block
 * holds an infinity or NaN.
 */
final class RandomTensors {
    private RandomTensors() {}

    static Tensor matrix(DType type, int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        int bytes = Math.toIntExact(type.bytesFor((long) rows * cols));
        byte[] raw = new byte[bytes];
        switch (type) {
            case F32 -> { for (int i = 0; i < bytes; i += 4) putF32(raw, i, (float) rnd.nextGaussian()); }
            case F16 -> { for (int i = 0; i < bytes; i += 2) putShort(raw, i, Float.floatToFloat16((float) rnd.nextGaussian())); }
            case BF16 -> { for (int i = 0; i < bytes; i += 2) putShort(raw, i, Bf16.fromFloat((float) rnd.nextGaussian())); }
            default -> {
                rnd.nextBytes(raw);
                for (int b = 0; b < bytes / type.blockBytes(); b++) {
                    for (int field : halfFields(type)) putShort(raw, b * type.blockBytes() + field, Float.floatToFloat16(scale(rnd)));
                }
            }
        }
        MemorySegment seg = Arena.ofAuto().allocate(bytes, 64);
        MemorySegment.copy(raw, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes);
        return new Tensor("random." + type, type, new long[] {cols, rows}, seg);
    }

    /** Byte offsets of the fp16 scale / min fields in a block of {@code type} (ggml-common.h). */
    static int[] halfFields(DType type) {
        return switch (type) {
            case Q8_0, Q4_0, Q5_0 -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    private static float scale(Random rnd) {
        float m = 0.001f + 0.05f * rnd.nextFloat();
        return rnd.nextBoolean() ? m : -m;
    }

    static float[] vector(int n, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    private static void putShort(byte[] b, int off, short v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }

    private static void putF32(byte[] b, int off, float f) {
        int v = Float.floatToRawIntBits(f);
        for (int i = 0; i < 4; i++) b[off + i] = (byte) (v >>> (8 * i));
    }
}
