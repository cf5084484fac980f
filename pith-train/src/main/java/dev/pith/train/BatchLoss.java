package dev.pith.train;

/**
 * Chooses the loss for each micro-batch the {@link Trainer} draws. Plain training uses cross-entropy
 * for every batch; distillation returns a loss that holds the teacher's logits for exactly these
 * windows, which is why it sees their start offsets in the training tokens.
 */
public interface BatchLoss {
    /**
     * The loss of the micro-batch just drawn: rows of {@code seq} tokens starting at {@code offsets}.
     * It may rewrite {@code inputs} and {@code targets} in place (on-policy distillation trains on
     * the student's own samples); the trainer uses them as left.
     */
    LossFunction forBatch(int[] inputs, int[] targets, long[] offsets, int batch, int seq);

    /**
     * Whether windows must start at multiples of the sequence length. A teacher cache computed once
     * per fixed window needs it: the teacher's logits at a position depend on where the window began.
     */
    default boolean alignedWindows() { return false; }

    BatchLoss CROSS_ENTROPY = (inputs, targets, offsets, batch, seq) -> LossFunction.CROSS_ENTROPY;
}
