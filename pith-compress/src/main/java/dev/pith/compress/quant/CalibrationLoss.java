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
     * log-probabilities ({@code vocab} per position, positions in order), {@code tokens} the chunk.
     * Returns the sum over the positions it scores and, in {@code count[0]}, adds how many those were.
     */
    double sum(float[] ref, float[] q, int[] tokens, int vocab, long[] count) {
        double sum = 0;
        int positions = ref.length / vocab;
        if (this == NLL) {
            // the last position has no next token inside the chunk
            for (int pos = 0; pos + 1 < positions; pos++) {
                int v = pos * vocab + tokens[pos + 1];
                sum += ref[v] - q[v];
            }
            count[0] += positions - 1;
            return sum;
        }
        for (int pos = 0; pos < ref.length; pos += vocab) {
            double kl = 0;
            for (int v = pos; v < pos + vocab; v++) kl += Math.exp(ref[v]) * (ref[v] - q[v]);
            sum += kl;
        }
        count[0] += positions;
        return sum;
    }
}
