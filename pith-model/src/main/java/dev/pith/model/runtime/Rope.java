package dev.pith.model.runtime;

import dev.pith.model.ModelConfig;

/**
 * Rotary position embedding, computed the way ggml does so logits match llama.cpp: the angle of
 * pair i is pos · base^(-2i/d) built by repeated float multiplication, divided by the per-pair
 * frequency factor when the model has one (Llama 3's rope_freqs), and pairs are either adjacent
 * (2i, 2i+1) or split halves (i, i+d/2, NeoX / Hugging Face layout).
 */
final class Rope {
    private final int ropeDim;
    private final boolean neox;
    private final float thetaScale;
    private final float[] freqFactors;

    Rope(ModelConfig c, float[] freqFactors) {
        this.ropeDim = c.ropeDim();
        this.neox = c.ropeNeox();
        this.thetaScale = (float) Math.pow(c.ropeTheta(), -2.0 / ropeDim);
        this.freqFactors = freqFactors;
    }

    /** Fills cos/sin tables of ropeDim/2 entries for one position. */
    void angles(int pos, float[] cos, float[] sin) {
        float theta = pos;
        for (int i = 0; i < ropeDim / 2; i++) {
            float ff = freqFactors == null ? 1.0f : freqFactors[i];
            float t = theta / ff;
            cos[i] = (float) Math.cos(t);
            sin[i] = (float) Math.sin(t);
            theta *= thetaScale;
        }
    }

    /** Rotates every head of width headDim in vec[off .. off + nHeads·headDim). */
    void rotate(float[] vec, int off, int nHeads, int headDim, float[] cos, float[] sin) {
        int half = ropeDim / 2;
        for (int h = 0; h < nHeads; h++) {
            int base = off + h * headDim;
            for (int i = 0; i < half; i++) {
                int a = neox ? base + i : base + 2 * i;
                int b = neox ? base + i + half : base + 2 * i + 1;
                float x0 = vec[a], x1 = vec[b];
                vec[a] = x0 * cos[i] - x1 * sin[i];
                vec[b] = x0 * sin[i] + x1 * cos[i];
            }
        }
    }
}
