package dev.pith.core.quant;

import dev.pith.core.DType;

/**
 * Round-to-nearest weight quantizers, byte-identical to ggml's reference quantize_row_*_ref (what
 * {@code llama-quantize} uses for these types when it has no importance matrix).
 */
public final class Quantizer {
    private Quantizer() {}

    /** Whether {@link #quantize} can produce this type. */
    public static boolean supports(DType type) {
        return type == DType.Q8_0 || type == DType.Q4_0;
    }

    /** Quantizes {@code src[0..count)} (a whole number of blocks) to ggml block bytes. */
    public static byte[] quantize(DType type, float[] src, int count) {
        if (count % type.blockSize() != 0) {
            throw new IllegalArgumentException(count + " values is not a whole number of " + type + " blocks of " + type.blockSize());
        }
        byte[] out = new byte[Math.toIntExact(type.bytesFor(count))];
        int nb = count / type.blockSize();
        switch (type) {
            case Q8_0 -> { for (int b = 0; b < nb; b++) q8_0(src, 32 * b, out, 34 * b); }
            case Q4_0 -> { for (int b = 0; b < nb; b++) q4_0(src, 32 * b, out, 18 * b); }
            default -> throw new IllegalArgumentException("Pith cannot quantize to " + type + " yet");
        }
        return out;
    }

    /** quantize_row_q8_0_ref: d = amax/127, q = roundf(x * (1/d)) (half away from zero). */
    static void q8_0(float[] x, int xo, byte[] y, int yo) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[xo + j]));
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        putHalf(y, yo, d);
        for (int j = 0; j < 32; j++) y[yo + 2 + j] = (byte) roundf(x[xo + j] * id);
    }

    /**
     * quantize_row_q4_0_ref: d = max/-8 where max is the signed value of largest magnitude (the
     * first such), q = min(15, (int8)(x*id + 8.5)). GCC contracts {@code x*id + 8.5f} into one
     * fused multiply-add on x86 with FMA (its default -ffp-contract=fast), and gguf-py's comment says
     * the same; the two forms differ only when the sum lies just under an integer, which the
     * fixtures happen not to hit, so the fused form here follows the C build, not the fixtures.
     */
    static void q4_0(float[] x, int xo, byte[] y, int yo) {
        float amax = 0f, max = 0f;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d != 0f ? 1f / d : 0f;
        putHalf(y, yo, d);
        for (int j = 0; j < 16; j++) {
            int xi0 = Math.min(15, (byte) (int) Math.fma(x[xo + j], id, 8.5f));
            int xi1 = Math.min(15, (byte) (int) Math.fma(x[xo + 16 + j], id, 8.5f));
            y[yo + 2 + j] = (byte) (xi0 | (xi1 << 4));
        }
    }

    /** C's roundf: half away from zero. */
    static float roundf(float v) {
        return (float) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }

    private static void putHalf(byte[] y, int off, float v) {
        short h = Float.floatToFloat16(v);
        y[off] = (byte) h;
        y[off + 1] = (byte) (h >>> 8);
    }
}
