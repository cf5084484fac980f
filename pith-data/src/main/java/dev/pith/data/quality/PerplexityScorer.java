package dev.pith.data.quality;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.runtime.RuntimeOptions;
import dev.pith.model.runtime.Transformer;
import dev.pith.model.tokenizer.Tokenizer;

import java.nio.file.Path;

/**
 * CCNet's quality signal (Wenzek et al. 2020): the perplexity of a document's opening under a
 * small language model trained on clean text; low perplexity means text like the reference. The
 * model's weights are shared; every thread gets its own runtime (KV cache).
 */
public final class PerplexityScorer {
    private final Model model;
    private final Tokenizer tok;
    private final int maxTokens;
    private final ThreadLocal<Transformer> runtime;

    public PerplexityScorer(Path modelPath, int maxTokens) {
        this.model = Models.load(modelPath);
        this.tok = model.tokenizer();
        if (tok == null) throw new PithException(modelPath + " has no tokenizer, so it cannot score text.");
        int ctx = Math.min(maxTokens, model.config().contextLength());
        this.maxTokens = ctx;
        this.runtime = ThreadLocal.withInitial(() -> new Transformer(model, RuntimeOptions.defaults().withContextLength(ctx)));
    }

    /** Perplexity of the first {@code maxTokens} tokens (BOS first when the model wants it); NaN for fewer than two tokens. */
    public double perplexity(String text) {
        int[] ids = tok.encode(text, tok.addBosByDefault(), false);
        int n = Math.min(ids.length, maxTokens);
        if (n < 2) return Double.NaN;
        int[] in = java.util.Arrays.copyOf(ids, n);
        Transformer t = runtime.get();
        t.reset();
        float[] logits = t.forwardAll(in);
        int vocab = model.config().vocabSize();
        double nll = 0;
        for (int j = 0; j < n - 1; j++) nll -= logProb(logits, j * vocab, vocab, in[j + 1]);
        return Math.exp(nll / (n - 1));
    }

    static double logProb(float[] logits, int off, int n, int target) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(logits[off + i] - max);
        return logits[off + target] - max - Math.log(sum);
    }

    /** CCNet's three buckets by perplexity thresholds. */
    public static String bucket(double ppl, double headMax, double middleMax) {
        if (Double.isNaN(ppl)) return "tail";
        return ppl <= headMax ? "head" : ppl <= middleMax ? "middle" : "tail";
    }
}
