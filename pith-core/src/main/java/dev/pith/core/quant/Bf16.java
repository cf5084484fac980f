package dev.pith.core.quant;

/** bfloat16: the top 16 bits of an IEEE float32. */
public final class Bf16 {
    private Bf16() {}

    public static float toFloat(short bits) { return Float.intBitsToFloat(bits << 16); }

    /**
     * Rounds to nearest, ties to even, as ggml's fp32-to-bf16 does; a NaN stays a (quiet) NaN instead
     * of rounding up into an infinity.
     */
    public static short fromFloat(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 64);
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    /** {@code f} rounded to bfloat16 and back: the value ggml computes with after converting to BF16. */
    public static float round(float f) { return toFloat(fromFloat(f)); }
}
