package dev.pith.train;

/**
 * A training loss on the output logits, so the model can learn from something other than the next
 * token alone (a teacher's distribution in distillation). It receives the logits of one micro-batch
 * (n rows × vocab) and the data targets, returns the mean loss, and overwrites the logits with
 * d(loss·scale)/d(logits), which the model's backward pass then carries through the layers.
 * {@link CrossEntropy#forwardBackward} is the default one.
 */
@FunctionalInterface
public interface LossFunction {
    double lossAndGradient(float[] logits, int[] targets, int n, int vocab, float scale);

    /** A loss on hidden states to add to this one (distillation's hidden-state MSE); null for none. */
    default HiddenStateLoss hidden() { return null; }

    LossFunction CROSS_ENTROPY = CrossEntropy::forwardBackward;
}
