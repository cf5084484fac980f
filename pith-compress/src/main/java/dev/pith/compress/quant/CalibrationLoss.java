package dev.pith.compress.quant;

/**
 * What a budget search calls the damage of a quantized model on calibration text, measured
 * against the original model's log-probabilities on the same chunks.
 *
 * <p>{@link #KL} compares the whole next-token distribution at every position (low variance: every
 * vocabulary entry counts); {@link #NLL} is the increase of the true next token's negative
 * log-likelihood, the quantity held-out perplexity measures, so a plan can be judged by what the
 * criterion reads at the price of a noisier figure (one token per position, and it can be
 * negative when quantization happens to help the calibration text).
 */
public enum CalibrationLoss {
    KL, NLL;

    /**
     * This loss for one chunk: {@code ref} and {@code q} the original's and the quantized model's
     * log-probabilities ({@code vocab} per position, positions in order), {@code tokens} the chunk,
     * scored from position {@code from} on (0: all; half the chunk: the positions llama.cpp's
     * perplexity scores, which see at least half a context). Returns the sum over the positions it
     * scores and, in {@code count[0]}, adds how many those were.
     */
    double sum(float[] ref, float[] q, int[] tokens, int vocab, int from, long[] count) {
        double sum = 0;
        int positions = ref.length / vocab;
        if (this == NLL) {
            // the last position has no next token inside the chunk
            for (int pos = from; pos + 1 < positions; pos++) {
                int v = pos * vocab + tokens[pos + 1];
                sum += ref[v] - q[v];
            }
            count[0] += Math.max(0, positions - 1 - from);
            return sum;
        }
        for (int pos = from; pos < positions; pos++) {
            double kl = 0;
            for (int v = pos * vocab; v < (pos + 1) * vocab; v++) kl += Math.exp(ref[v]) * (ref[v] - q[v]);
            sum += kl;
        }
        count[0] += Math.max(0, positions - from);
        return sum;
    }
}
