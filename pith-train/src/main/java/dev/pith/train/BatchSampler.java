package dev.pith.train;

import dev.pith.core.PithException;

/**
 * Draws training batches as nanoGPT does: each row is a random window of t+1 consecutive tokens,
 * inputs the first t, targets the last t. The random state is a {@link Rng}, so the data position
 * of a run is one long that checkpoints save.
 */
public final class BatchSampler {
    private final TokenSource tokens;
    private final int batch, seq;
    private final Rng rng;

    public BatchSampler(TokenSource tokens, int batch, int seq, Rng rng, String what) {
        if (tokens.size() < seq + 1L)
            throw new PithException(what + " holds " + tokens.size() + " tokens, too few for one sequence of " + seq + " (needs " + (seq + 1) + ").");
        this.tokens = tokens;
        this.batch = batch;
        this.seq = seq;
        this.rng = rng;
    }

    public Rng rng() { return rng; }

    /** Fills inputs and targets (batch × seq each) with the next random windows. */
    public void next(int[] inputs, int[] targets) {
        long bound = tokens.size() - seq;
        for (int r = 0; r < batch; r++) {
            long off = rng.nextLong(bound);
            for (int i = 0; i < seq; i++) {
                inputs[r * seq + i] = tokens.get(off + i);
                targets[r * seq + i] = tokens.trained(off + i + 1) ? tokens.get(off + i + 1) : CrossEntropy.IGNORE;
            }
        }
    }
}
