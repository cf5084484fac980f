package dev.pith.model.runtime;

import dev.pith.core.PithException;

import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Perplexity by llama.cpp's llama-perplexity method, so figures compare with its published tables:
 * the text is tokenized once (BOS first), cut into chunks of {@code ctx} tokens, each chunk is
 * evaluated on its own with its first token replaced by BOS, and only the predictions of the second
 * half of each chunk are scored (positions ctx/2 .. ctx-2 predicting the next token).
 */
public final class Perplexity {
    private Perplexity() {}

    /** Outcome: perplexity, negative log-likelihood statistics, and the count of scored tokens. */
    public record Result(double ppl, double meanNll, double nllStdError, long scoredTokens, int ctx, int chunks) {}

    /**
     * @param tokens   the whole text, tokenized with BOS first as llama-perplexity does
     * @param bos      the BOS id written at the start of every chunk, or -1 to keep the text's token
     * @param maxChunks evaluate at most this many chunks (0 = all)
     */
    public static Result compute(Transformer t, int[] tokens, int ctx, int bos, int maxChunks, IntConsumer onChunk) {
        return compute(t, tokens, ctx, bos, maxChunks, onChunk, null);
    }

    /** As above; {@code chunkLogits} (if not null) sees each chunk's scored logits (positions ctx/2 .. ctx−1, vocab each). */
    public static Result compute(Transformer t, int[] tokens, int ctx, int bos, int maxChunks, IntConsumer onChunk, Consumer<float[]> chunkLogits) {
        if (ctx < 4) throw new PithException("the perplexity context must be at least 4 tokens, not " + ctx + ".");
        if (ctx > t.contextLength()) throw new PithException("the perplexity context " + ctx + " exceeds the runtime context " + t.contextLength() + ".");
        int chunks = tokens.length / ctx;
        if (maxChunks > 0) chunks = Math.min(chunks, maxChunks);
        if (chunks == 0) throw new PithException("the text has " + tokens.length + " tokens, fewer than one chunk of " + ctx + ".");
        int vocab = t.config().vocabSize();
        int first = ctx / 2;
        double nll = 0, nll2 = 0;
        long count = 0;
        // logits of the scored positions only, one buffer for every chunk
        float[] logits = new float[Math.multiplyExact(ctx - first, vocab)];
        for (int c = 0; c < chunks; c++) {
            int start = c * ctx;
            int[] chunk = java.util.Arrays.copyOfRange(tokens, start, start + ctx);
            if (bos >= 0) chunk[0] = bos;
            t.reset();
            t.forwardFrom(chunk, first, logits);
            for (int j = first; j < ctx - 1; j++) {
                double lp = Ops.logProb(logits, (j - first) * vocab, vocab, tokens[start + j + 1]);
                nll -= lp;
                nll2 += lp * lp;
                count++;
            }
            if (chunkLogits != null) chunkLogits.accept(logits);
            if (onChunk != null) onChunk.accept(c + 1);
        }
        double mean = nll / count;
        double var = nll2 / count - mean * mean;
        double err = count > 1 ? Math.sqrt(Math.max(0, var) / (count - 1)) : 0;
        return new Result(Math.exp(mean), mean, err, count, ctx, chunks);
    }
}
