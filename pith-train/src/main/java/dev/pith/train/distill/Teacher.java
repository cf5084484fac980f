package dev.pith.train.distill;

/**
 * Where the teacher's logits for a training batch come from: a model run now (through the runtime
 * or the training engine's forward pass) or a cache computed once. Rows are windows of {@code seq}
 * tokens; {@code offsets} says where each began in the training tokens (a cache is keyed by it).
 */
public interface Teacher extends AutoCloseable {
    int vocabSize();

    /** Fills {@code out} (batch·seq × vocab) with the teacher's logits after every input token. */
    void logits(int[] inputs, long[] offsets, int batch, int seq, float[] out);

    /**
     * Makes every later {@link #logits} call also keep the hidden states after these teacher blocks
     * (0-based), for hidden-state distillation. A teacher that cannot (a cache) refuses.
     */
    default void keepHiddenStates(int[] layers) {
        throw new dev.pith.core.PithException("a teacher cache holds logits only, not hidden states; give a live --teacher for --hidden-loss.");
    }

    /** After {@link #logits}: the state after block {@code layers[i]} of {@link #keepHiddenStates}, batch·seq rows of the teacher's width. */
    default float[] hiddenState(int i) { throw new IllegalStateException("no hidden states kept"); }

    @Override
    default void close() {}
}
