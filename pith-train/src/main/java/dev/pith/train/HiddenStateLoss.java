package dev.pith.train;

/**
 * A loss on the hidden states between blocks, added to the loss on the logits (distillation's
 * hidden-state matching). The model hands it the state after each block it asks for, and it returns
 * the gradient with respect to those states, which the backward pass adds where the state left its
 * block, so it flows back through every block below. Any parameters of its own (a projection) it
 * updates itself, as d(loss·scale)/dw added to their {@link Param#g}.
 */
public interface HiddenStateLoss {
    /** The blocks (0-based) whose output it reads, in the order of {@code states} below. */
    int[] layers();

    /**
     * {@code states[i]}: the n × dim hidden state after block {@code layers()[i]} (read only).
     * Fills {@code grads[i]} (n × dim, zeroed) with d(loss·scale)/d(state) and returns the loss.
     */
    double lossAndGradient(float[][] states, float[][] grads, int n, int dim, float scale);
}
