package dev.pith.model.runtime;

/**
 * The small per-vector operations of the forward pass, written to reproduce ggml's CPU results:
 * sums of squares and of exponentials are accumulated in double as ggml does (ggml_float).
 */
final class Ops {
    private Ops() {}

    /** out = x / rms(x) · weight over n elements, as ggml_rms_norm followed by ggml_mul. */
    static void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            sum += v * v;
        }
        float mean = (float) (sum / n);
        float scale = (float) (1.0 / Math.sqrt(mean + eps));
        for (int i = 0; i < n; i++) out[outOff + i] = (x[xOff + i] * scale) * weight[i];
    }

    /** In-place softmax of a[off .. off+n), as ggml_soft_max (float exponentials, double sum). */
    static void softmax(float[] a, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, a[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(a[off + i] - max);
            a[off + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) a[off + i] *= inv;
    }

    /** SiLU(x)·y, the SwiGLU gate, as ggml_swiglu (silu x = x / (1 + e^-x)). */
    static void swiglu(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            gate[i] = (g / (1.0f + (float) Math.exp(-g))) * up[i];
        }
    }

    /** Rounds to half precision and back, as storing in an F16 tensor does. */
    static float toHalf(float v) { return Float.float16ToFloat(Float.floatToFloat16(v)); }

    /** log softmax(logits)[target], as llama-perplexity computes it (double sum of exponentials). */
    static double logProb(float[] logits, int off, int n, int target) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(logits[off + i] - max);
        return logits[off + target] - max - Math.log(sum);
    }
}
