package dev.pith.train.distill;

import dev.pith.model.Model;
import dev.pith.model.runtime.Transformer;

/**
 * A teacher run through Pith's inference runtime, so any model Pith loads can teach, quantized ones
 * included (their matrix products stay in their own format). Each window is a fresh sequence: the
 * KV cache is reset before it, as the student sees it from its first token too.
 */
public final class RuntimeTeacher implements Teacher {
    private final Transformer runtime;

    public RuntimeTeacher(Model model) { this.runtime = new Transformer(model); }

    @Override public int vocabSize() { return runtime.config().vocabSize(); }

    @Override
    public void logits(int[] inputs, long[] offsets, int batch, int seq, float[] out) {
        int v = vocabSize();
        for (int r = 0; r < batch; r++) {
            runtime.reset();
            float[] all = runtime.forwardAll(java.util.Arrays.copyOfRange(inputs, r * seq, r * seq + seq));
            System.arraycopy(all, 0, out, r * seq * v, seq * v);
        }
    }
}
