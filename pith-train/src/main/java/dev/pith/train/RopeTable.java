package dev.pith.train;

/**
 * Rotary position embedding for training, with the runtime's numerics and layout so a trained model
 * runs unchanged: GGUF "llama" adjacent pairs (2i, 2i+1), angle of pair i at position p built as
 * ggml builds it (p · scale^i by repeated float multiplication, scale = base^(-2/ropeDim)).
 * Backward rotates the gradient by the opposite angle (the rotation's transpose).
 */
public final class RopeTable {
    private final int seqLen, headDim, half;
    private final float[] cos, sin;

    public RopeTable(int seqLen, int headDim, int ropeDim, float base) {
        this.seqLen = seqLen;
        this.headDim = headDim;
        this.half = ropeDim / 2;
        this.cos = new float[seqLen * half];
        this.sin = new float[seqLen * half];
        float scale = (float) Math.pow(base, -2.0 / ropeDim);
        for (int p = 0; p < seqLen; p++) {
            float theta = p;
            for (int i = 0; i < half; i++) {
                cos[p * half + i] = (float) Math.cos(theta);
                sin[p * half + i] = (float) Math.sin(theta);
                theta *= scale;
            }
        }
    }

    public int seqLen() { return seqLen; }

    /** Rotates the nHeads heads of the vector at v[off ..] for position pos; inverse = true rotates back. */
    public void rotate(float[] v, int off, int nHeads, int pos, boolean inverse) {
        int t = pos * half;
        for (int h = 0; h < nHeads; h++) {
            int base = off + h * headDim;
            for (int i = 0; i < half; i++) {
                float c = cos[t + i], s = inverse ? -sin[t + i] : sin[t + i];
                float x0 = v[base + 2 * i], x1 = v[base + 2 * i + 1];
                v[base + 2 * i] = x0 * c - x1 * s;
                v[base + 2 * i + 1] = x0 * s + x1 * c;
            }
        }
    }
}
