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

    @Override
    default void close() {}
}
