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
    private final boolean aligned;
    private final long[] offsets;

    public BatchSampler(TokenSource tokens, int batch, int seq, Rng rng, String what) {
        this(tokens, batch, seq, rng, what, false);
    }

    /** With {@code aligned}, windows start only at multiples of seq (the fixed windows a teacher cache covers). */
    public BatchSampler(TokenSource tokens, int batch, int seq, Rng rng, String what, boolean aligned) {
        if (tokens.size() < seq + 1L)
            throw new PithException(what + " holds " + tokens.size() + " tokens, too few for one sequence of " + seq + " (needs " + (seq + 1) + ").");
        this.tokens = tokens;
        this.batch = batch;
        this.seq = seq;
        this.rng = rng;
        this.aligned = aligned;
        this.offsets = new long[batch];
    }

    /** Windows that start at multiples of seq and fit: chunk c covers tokens c·seq … c·seq+seq. */
    public static long alignedWindows(long tokens, int seq) { return (tokens - 1) / seq; }

    /** Where each row of the last batch started in the token source. */
    public long[] offsets() { return offsets; }

    public Rng rng() { return rng; }

    /** Fills inputs and targets (batch × seq each) with the next random windows. */
    public void next(int[] inputs, int[] targets) {
        long bound = aligned ? alignedWindows(tokens.size(), seq) : tokens.size() - seq;
        for (int r = 0; r < batch; r++) {
            long off = aligned ? rng.nextLong(bound) * seq : rng.nextLong(bound);
            offsets[r] = off;
            for (int i = 0; i < seq; i++) {
                inputs[r * seq + i] = tokens.get(off + i);
                targets[r * seq + i] = tokens.trained(off + i + 1) ? tokens.get(off + i + 1) : CrossEntropy.IGNORE;
            }
        }
    }
}
