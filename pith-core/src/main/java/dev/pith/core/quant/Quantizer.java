package dev.pith.core.quant;

import dev.pith.core.DType;

/**
 * Weight quantizers byte-identical to ggml's reference quantize_row_*_ref, which is what
 * {@code llama-quantize} uses when it has no importance matrix: round-to-nearest for the 32-value
 * types, ggml's scale searches for the K-quants ({@link KQuantizer}).
 *
 * <p>ggml-base (where these live) is built without -march flags on x86-64, so its float code has
 * no fused multiply-adds; Java's float arithmetic, one rounding per operation, matches it. (gguf-py
 * notes that Q4_0/Q5_0 "depend on FMA": that is true of builds that contract, such as aarch64.)
 */
public final class Quantizer {
    private Quantizer() {}

    /** Whether {@link #quantize} can produce this type. */
    public static boolean supports(DType type) {
        return switch (type) {
            case Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /** Quantizes {@code src[0..count)} (a whole number of blocks) to ggml block bytes. */
    public static byte[] quantize(DType type, float[] src, int count) {
        byte[] out = new byte[Math.toIntExact(type.bytesFor(count))];
        quantize(type, src, 0, count, out);
        return out;
    }

    /**
     * Quantizes {@code src[xo .. xo+count)} (a whole number of blocks) into {@code out} from byte 0;
     * Q8_0 and Q4_0 through their vector twins ({@link LegacyLanes}) unless -Dpith.quant.scalar=true.
     */
    public static void quantize(DType type, float[] src, int xo, int count, byte[] out) {
        if (count % type.blockSize() != 0) {
            throw new IllegalArgumentException(count + " values is not a whole number of " + type + " blocks of " + type.blockSize());
        }
        int nb = count / type.blockSize();
        boolean lanes = LegacyLanes.ENABLED;
        switch (type) {
            case Q8_0 -> { for (int b = 0; b < nb; b++) if (lanes) LegacyLanes.q8_0(src, xo + 32 * b, out, 34 * b); else q8_0(src, xo + 32 * b, out, 34 * b); }
            case Q4_0 -> { for (int b = 0; b < nb; b++) if (lanes) LegacyLanes.q4_0(src, xo + 32 * b, out, 18 * b); else q4_0(src, xo + 32 * b, out, 18 * b); }
            case Q4_1 -> { for (int b = 0; b < nb; b++) q4_1(src, xo + 32 * b, out, 20 * b); }
            case Q5_0 -> { for (int b = 0; b < nb; b++) q5_0(src, xo + 32 * b, out, 22 * b); }
            case Q5_1 -> { for (int b = 0; b < nb; b++) q5_1(src, xo + 32 * b, out, 24 * b); }
            case Q2_K -> { for (int b = 0; b < nb; b++) KQuantizer.q2_K(src, xo + 256 * b, out, 84 * b); }
            case Q3_K -> { for (int b = 0; b < nb; b++) KQuantizer.q3_K(src, xo + 256 * b, out, 110 * b); }
            case Q4_K, Q5_K -> scaleAndMinBlocks(type, src, xo, nb, out);
            case Q6_K -> { for (int b = 0; b < nb; b++) KQuantizer.q6_K(src, xo + 256 * b, out, 210 * b); }
            default -> throw new IllegalArgumentException("Pith cannot quantize to " + type + " yet");
        }
    }

    /** Q4_K or Q5_K blocks, {@link Qkx2Lanes#BLOCKS} at a time sharing one lane-wise search (two with 512-bit vectors). */
    private static void scaleAndMinBlocks(DType type, float[] src, int xo, int nb, byte[] out) {
        for (int b = 0, k; b < nb; b += k) {
            k = Math.min(Qkx2Lanes.BLOCKS, nb - b);
            if (type == DType.Q4_K) KQuantizer.q4_K(src, xo + 256 * b, k, out, 144 * b, Qkx2Lanes.ENABLED);
            else KQuantizer.q5_K(src, xo + 256 * b, k, out, 176 * b, Qkx2Lanes.ENABLED);
        }
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
     * first such), q = min(15, (int8)(x*id + 8.5)), the product and the sum rounded separately.
     */
    static void q4_0(float[] x, int xo, byte[] y, int yo) {
        float max = signedAbsMax(x, xo);
        float d = max / -8f;
        float id = d != 0f ? 1f / d : 0f;
        putHalf(y, yo, d);
        for (int j = 0; j < 16; j++) {
            int xi0 = Math.min(15, (byte) (int) (x[xo + j] * id + 8.5f));
            int xi1 = Math.min(15, (byte) (int) (x[xo + 16 + j] * id + 8.5f));
            y[yo + 2 + j] = (byte) (xi0 | (xi1 << 4));
        }
    }

    /** quantize_row_q4_1_ref: d = (max-min)/15, m = min, q = min(15, (int8)((x-min)*id + 0.5)). */
    static void q4_1(float[] x, int xo, byte[] y, int yo) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / 15;
        float id = d != 0f ? 1f / d : 0f;
        putHalf(y, yo, d);
        putHalf(y, yo + 2, min);
        for (int j = 0; j < 16; j++) {
            int xi0 = Math.min(15, (byte) (int) ((x[xo + j] - min) * id + 0.5f));
            int xi1 = Math.min(15, (byte) (int) ((x[xo + 16 + j] - min) * id + 0.5f));
            y[yo + 4 + j] = (byte) (xi0 | (xi1 << 4));
        }
    }

    /** quantize_row_q5_0_ref: d = max/-16, q = min(31, (int8)(x*id + 16.5)), fifth bits in qh. */
    static void q5_0(float[] x, int xo, byte[] y, int yo) {
        float max = signedAbsMax(x, xo);
        float d = max / -16f;
        float id = d != 0f ? 1f / d : 0f;
        putHalf(y, yo, d);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int xi0 = Math.min(31, (byte) (int) (x[xo + j] * id + 16.5f));
            int xi1 = Math.min(31, (byte) (int) (x[xo + 16 + j] * id + 16.5f));
            y[yo + 6 + j] = (byte) ((xi0 & 0xF) | ((xi1 & 0xF) << 4));
            qh |= ((xi0 & 0x10) >>> 4) << j;
            qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
        }
        putInt(y, yo + 2, qh);
    }

    /** quantize_row_q5_1_ref: d = (max-min)/31, m = min, q = (uint8)((x-min)*id + 0.5), fifth bits in qh. */
    static void q5_1(float[] x, int xo, byte[] y, int yo) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / 31;
        float id = d != 0f ? 1f / d : 0f;
        putHalf(y, yo, d);
        putHalf(y, yo + 2, min);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int xi0 = (int) ((x[xo + j] - min) * id + 0.5f) & 0xFF;
            int xi1 = (int) ((x[xo + 16 + j] - min) * id + 0.5f) & 0xFF;
            y[yo + 8 + j] = (byte) ((xi0 & 0xF) | ((xi1 & 0xF) << 4));
            qh |= ((xi0 & 0x10) >>> 4) << j;
            qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
        }
        putInt(y, yo + 4, qh);
    }

    /** The value of largest magnitude, keeping its sign (the first one on ties), as Q4_0/Q5_0 scale from it. */
    private static float signedAbsMax(float[] x, int xo) {
        float amax = 0f, max = 0f;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    private static void putInt(byte[] y, int off, int v) {
        for (int i = 0; i < 4; i++) y[off + i] = (byte) (v >>> (8 * i));
    }

    /** C's roundf: half away from zero. */
    static float roundf(float v) {
        return (float) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }

    static void putHalf(byte[] y, int off, float v) {
        short h = Float.floatToFloat16(v);
        y[off] = (byte) h;
        y[off + 1] = (byte) (h >>> 8);
    }
}
