package dev.pith.train;

/**
 * Softmax and cross-entropy fused: from logits (n × vocab) and targets, the mean negative log
 * probability of the targets, and in the same pass the logit gradient (softmax − one-hot) · scale / n
 * written over the logits. Never materialises a separate probability buffer. A target of
 * {@link #IGNORE} (a prompt token in instruction tuning) adds no loss and no gradient; the mean is
 * over the other targets.
 */
public final class CrossEntropy {
    public static final int IGNORE = -1;

    private CrossEntropy() {}

    /** Returns the mean loss; logits become d(loss·scale)/d(logits). */
    public static double forwardBackward(float[] logits, int[] targets, int n, int vocab, float scale) {
        double[] rowLoss = new double[n];
        int counted = 0;
        for (int i = 0; i < n; i++) if (targets[i] != IGNORE) counted++;
        if (counted == 0) {
            java.util.Arrays.fill(logits, 0, n * vocab, 0f);
            return 0;
        }
        float gradScale = scale / counted;
        final int valid = counted;
        ShareThreads.forRange(n, 4, (from, to) -> {
            for (int i = from; i < to; i++) {
                int o = i * vocab;
                if (targets[i] == IGNORE) {
                    java.util.Arrays.fill(logits, o, o + vocab, 0f);
                    continue;
                }
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < vocab; j++) max = Math.max(max, logits[o + j]);
                double sum = 0;
                for (int j = 0; j < vocab; j++) {
                    float e = (float) Math.exp(logits[o + j] - max);
                    logits[o + j] = e;
                    sum += e;
                }
                int tgt = targets[i];
                rowLoss[i] = -Math.log(logits[o + tgt] / sum);
                float inv = (float) (1.0 / sum);
                for (int j = 0; j < vocab; j++) logits[o + j] = logits[o + j] * inv * gradScale;
                logits[o + tgt] -= gradScale;
            }
        });
        double total = 0;
        for (double l : rowLoss) total += l;
        return total / valid;
    }

    /** Mean loss only (evaluation); logits are overwritten. */
    public static double loss(float[] logits, int[] targets, int n, int vocab) {
        return forwardBackward(logits, targets, n, vocab, 0f);
    }
}
