package dev.pith.train.lora;

/**
 * The q/k row order between GGUF's adjacent-pair RoPE and Hugging Face's rotate-half, for LoRA's B
 * (its rows are the projection's outputs; A's rows are rank directions and are not touched). Per
 * head of d rows, GGUF row 2i+j is HF row j·d/2 + i, as llama.cpp's converter permutes q_proj and
 * k_proj (pith-model's hf.RopePermutation does the same on whole tensors).
 */
final class RopeRows {
    private RopeRows() {}

    static float[] toHf(float[] m, int rows, int cols, int heads) { return permute(m, rows, cols, heads, false); }

    static float[] toGguf(float[] m, int rows, int cols, int heads) { return permute(m, rows, cols, heads, true); }

    private static float[] permute(float[] m, int rows, int cols, int heads, boolean toGguf) {
        int d = rows / heads, half = d / 2;
        float[] out = new float[m.length];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < half; i++)
                for (int j = 0; j < 2; j++) {
                    int gguf = h * d + 2 * i + j, hf = h * d + j * half + i;
                    System.arraycopy(m, (toGguf ? hf : gguf) * cols, out, (toGguf ? gguf : hf) * cols, cols);
                }
        return out;
    }
}
