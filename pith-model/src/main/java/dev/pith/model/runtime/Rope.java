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

    /** Entries of one position's cos/sin table. */
    int tableSize() { return Math.max(1, ropeDim / 2); }

    /** Fills cos/sin tables of ropeDim/2 entries for one position. */
    void angles(int pos, float[] cos, float[] sin) { angles(pos, cos, sin, 0); }

    /** Fills cos/sin tables of ropeDim/2 entries for one position at offset {@code at}. */
    void angles(int pos, float[] cos, float[] sin, int at) {
        float theta = pos;
        for (int i = 0; i < ropeDim / 2; i++) {
            float ff = freqFactors == null ? 1.0f : freqFactors[i];
            float t = theta / ff;
            cos[at + i] = (float) Math.cos(t);
            sin[at + i] = (float) Math.sin(t);
            theta *= thetaScale;
        }
    }

    /** Rotates every head of width headDim in vec[off .. off + nHeads·headDim). */
    void rotate(float[] vec, int off, int nHeads, int headDim, float[] cos, float[] sin) { rotate(vec, off, nHeads, headDim, cos, sin, 0); }

    /** As {@link #rotate(float[], int, int, int, float[], float[])} with the tables at offset {@code at}. */
    void rotate(float[] vec, int off, int nHeads, int headDim, float[] cosT, float[] sinT, int at) {
        int half = ropeDim / 2;
        for (int h = 0; h < nHeads; h++) {
            int base = off + h * headDim;
            for (int i = 0; i < half; i++) {
                int a = neox ? base + i : base + 2 * i;
                int b = neox ? base + i + half : base + 2 * i + 1;
                float x0 = vec[a], x1 = vec[b], cos = cosT[at + i], sin = sinT[at + i];
                vec[a] = x0 * cos - x1 * sin;
                vec[b] = x0 * sin + x1 * cos;
            }
        }
    }
}
