package dev.pith.train.distill;

import dev.pith.model.Model;
import dev.pith.model.runtime.ActivationObserver;
import dev.pith.model.runtime.Transformer;

/**
 * A teacher run through Pith's inference runtime, so any model Pith loads can teach, quantized ones
 * included (their matrix products stay in their own format). Each window is a fresh sequence: the
 * KV cache is reset before it, as the student sees it from its first token too.
 */
public final class RuntimeTeacher implements Teacher {
    private final Transformer runtime;
    private int[] keep = new int[0];
    private float[][] kept = new float[0][];

    public RuntimeTeacher(Model model) { this.runtime = new Transformer(model); }

    @Override public int vocabSize() { return runtime.config().vocabSize(); }

    @Override
    public void logits(int[] inputs, long[] offsets, int batch, int seq, float[] out) {
        int v = vocabSize(), dim = runtime.config().dim();
        for (int i = 0; i < keep.length; i++) if (kept[i] == null || kept[i].length != batch * seq * dim) kept[i] = new float[batch * seq * dim];
        int[] filled = new int[keep.length];
        if (keep.length > 0) runtime.observe(new ActivationObserver() {
            // the runtime reports the state *entering* block l; the state after block T enters block T + 1
            @Override public void hiddenState(int layer, float[] x, int n, int width) {
                for (int i = 0; i < keep.length; i++) {
                    if (keep[i] + 1 != layer) continue;
                    System.arraycopy(x, 0, kept[i], filled[i], n * width);
                    filled[i] += n * width;
                }
            }
        });
        for (int r = 0; r < batch; r++) {
            runtime.reset();
            float[] all = runtime.forwardAll(java.util.Arrays.copyOfRange(inputs, r * seq, r * seq + seq));
            System.arraycopy(all, 0, out, r * seq * v, seq * v);
        }
        runtime.observe(null);
    }

    @Override
    public void keepHiddenStates(int[] layers) {
        keep = layers.clone();
        kept = new float[layers.length][];
    }

    @Override public float[] hiddenState(int i) { return kept[i]; }
}
