package dev.pith.model.runtime;

import dev.pith.core.Parallel;
import dev.pith.core.PithException;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * How far a model's next-token distributions are from a base model's, on the positions perplexity
 * scores, as llama.cpp's {@code llama-perplexity --kl-divergence} reports it: both perplexities, their
 * ratio with an uncertainty that uses the two models' correlation (a paired comparison: far tighter
 * than two independent perplexity error bars), the KL divergence from the base distribution with its
 * percentiles, the change of the correct token's probability (Δp), and how often both models rank
 * the same token first. The base is a {@link BaseLogits} file.
 */
public final class KlDivergence {
    private KlDivergence() {}

    /** A mean and its standard error. */
    public record Estimate(double value, double uncertainty) {}

    /**
     * Everything the comparison reports; percentiles are keyed "max", "99.9", …, "min". {@code baseFloorPositions}
     * counts positions whose correct token lies at or below the base row's floor (16 nats under its
     * most likely token, llama.cpp's span): the file keeps the floor there, so PPL(base) and the ratio
     * are bounds where it is not 0 (llama.cpp reports the same figures without saying so).
     */
    public record Report(long positions, int chunks, int ctx, long baseFloorPositions,
                         Estimate ppl, Estimate pplBase, double lnPplCorrelation, Estimate lnPplRatio, Estimate pplRatio, Estimate pplDifference,
                         Estimate kld, Map<String, Double> kldPercentiles,
                         Estimate deltaP, Map<String, Double> deltaPPercentiles, Estimate rmsDeltaP,
                         Estimate sameTop) {}

    /** Running sums over positions (llama.cpp's kl_divergence_result), and each position's KLD and Δp. */
    static final class Sums {
        double nll, nll2, nllBase, nllBase2, nllNllBase, kld, kld2, pDiff, pDiff2, pDiff4;
        long sameTop, count, floor;
        float[] klds = new float[1024], pDiffs = new float[1024];

        /** Adds one position, in the order positions are scored (so the sums do not depend on the thread count). */
        void add(Position p) {
            nll += p.nll;
            nll2 += (double) p.nll * p.nll;
            nllBase += p.nllBase;
            nllBase2 += (double) p.nllBase * p.nllBase;
            nllNllBase += (double) p.nll * p.nllBase;
            kld += p.kld;
            kld2 += p.kld * p.kld;
            if (p.sameTop) sameTop++;
            if (p.floor) floor++;
            pDiff += p.pDiff;
            double pDiff2Value = (double) p.pDiff * p.pDiff;
            pDiff2 += pDiff2Value;
            pDiff4 += pDiff2Value * pDiff2Value;
            int i = (int) count;
            if (i == klds.length) {
                klds = Arrays.copyOf(klds, 2 * i);
                pDiffs = Arrays.copyOf(pDiffs, 2 * i);
            }
            klds[i] = (float) p.kld;
            pDiffs[i] = p.pDiff;
            count++;
        }
    }

    /**
     * One position's figures: both negative log-likelihoods of the correct token, KL(base ‖ model), the
     * change of the correct token's probability, whether both put the same token first, and whether
     * the base row keeps the correct token only at its floor.
     */
    record Position(float nll, float nllBase, double kld, float pDiff, boolean sameTop, boolean floor) {}

    /** {@link #position(float[], int, int, ByteBuffer, int, int)} added to {@code s}. */
    static void position(float[] logits, int off, int vocab, ByteBuffer base, int r, int token, Sums s) {
        s.add(position(logits, off, vocab, base, r, token));
    }

    /**
     * One position: the model's logits at {@code off}, the base's row {@code r} of {@code base} (a chunk
     * from {@link BaseLogits.Reader#nextChunk}), the correct next token.
     */
    static Position position(float[] logits, int off, int vocab, ByteBuffer base, int r, int token) {
        float max = logits[off];
        int top = 0;
        for (int i = 1; i < vocab; i++) {
            if (logits[off + i] > max) {
                max = logits[off + i];
                top = i;
            }
        }
        double sumExp = 0;
        for (int i = 0; i < vocab; i++) sumExp += Math.exp(logits[off + i] - max);
        float logSumExp = (float) Math.log(sumExp);
        int at = r * 2 * BaseLogits.rowValues(vocab);
        float scale = base.getFloat(at), minLogProb = base.getFloat(at + 4);
        int q = at + 8;

        float nll = max + logSumExp - logits[off + token];
        int qToken = Short.toUnsignedInt(base.getShort(q + 2 * token));
        float nllBase = -(scale * qToken + minLogProb);

        // KL(base ‖ model) = Σ p_base·(log p_base − log p_model); log p_model(i) = logits[i] − (max + logSumExp)
        float logNorm = max + logSumExp;
        double kld = 0;
        int topBase = 0;
        float topBaseLogP = 0;
        for (int i = 0; i < vocab; i++) {
            float logPBase = scale * Short.toUnsignedInt(base.getShort(q + 2 * i)) + minLogProb;
            if (i == 0 || logPBase > topBaseLogP) {
                topBaseLogP = logPBase;
                topBase = i;
            }
            // the base row keeps 16 nats below its top token; what lies lower adds nothing measurable
            if (logPBase > -BaseLogits.SPAN) kld += Math.exp(logPBase) * (logPBase - logits[off + i] + logNorm);
        }
        float pDiff = (float) (Math.exp(-nll) - Math.exp(-nllBase));
        return new Position(nll, nllBase, kld, pDiff, top == topBase, qToken == 0);
    }

    /**
     * Evaluates {@code t} on the base file's chunks (at most {@code maxChunks}, 0 = all), each with its
     * first token replaced by {@code bos} (≥ 0) as perplexity does, and compares with the base.
     */
    public static Report compare(Transformer t, BaseLogits.Reader base, int bos, int maxChunks, IntConsumer onChunk) {
        BaseLogits.Header h = base.header();
        int vocab = t.config().vocabSize();
        if (h.vocab() != vocab) {
            throw new PithException("the base log-probabilities are over a vocabulary of " + h.vocab() + " tokens and this model's has " + vocab
                    + ": they come from another model family.");
        }
        if (h.ctx() > t.contextLength()) throw new PithException("the base log-probabilities used a context of " + h.ctx() + ", beyond the runtime context " + t.contextLength() + ".");
        int ctx = h.ctx(), first = ctx / 2;
        int chunks = maxChunks > 0 ? Math.min(maxChunks, h.chunks()) : h.chunks();
        float[] logits = new float[Math.multiplyExact(ctx - first, vocab)];
        Sums s = new Sums();
        Position[] positions = new Position[ctx - 1 - first];
        for (int c = 0; c < chunks; c++) {
            int start = c * ctx;
            int[] chunk = Arrays.copyOfRange(h.tokens(), start, start + ctx);
            if (bos >= 0) chunk[0] = bos;
            t.reset();
            t.forwardFrom(chunk, first, logits);
            ByteBuffer rows = base.nextChunk();
            // each position is a pass over the vocabulary (two exponentials per token): spread over the
            // cores, then added in order
            Parallel.forEach(ctx - 1 - first, r -> positions[r] = position(logits, r * vocab, vocab, rows, r, h.tokens()[start + first + r + 1]));
            for (Position p : positions) s.add(p);
            if (onChunk != null) onChunk.accept(c + 1);
        }
        return report(s, chunks, ctx);
    }

    /** llama.cpp's mean and standard error of a mean from a sum and a sum of squares (none under 11 values). */
    static Estimate mean(double sum, double sum2, long count) {
        if (count < 1) return new Estimate(0, 0);
        double f = sum / count, var = sum2 / count - f * f;
        return new Estimate(f, var > 0 && count > 10 ? Math.sqrt(var / (count - 1)) : 0);
    }

    /** The covariance of two means, as {@link #mean}'s uncertainties are standard errors. */
    static double covariance(double sumA, double sumB, double sumAB, long count) {
        if (count < 10) return 0;
        return (sumAB / count - (sumA / count) * (sumB / count)) / (count - 1);
    }

    /** Linear interpolation between the sorted values around fraction·(n − 1). */
    static double percentile(float[] sorted, int n, double fraction) {
        if (fraction <= 0) return sorted[0];
        if (fraction >= 1) return sorted[n - 1];
        double p = fraction * (n - 1);
        int i = (int) p;
        p -= i;
        return (1 - p) * sorted[i] + p * sorted[Math.min(i + 1, n - 1)];
    }

    static double median(float[] sorted, int n) {
        return n % 2 == 0 ? 0.5 * (sorted[n / 2] + sorted[n / 2 - 1]) : sorted[n / 2];
    }

    static Report report(Sums s, int chunks, int ctx) {
        long n = s.count;
        if (n < 1) throw new PithException("the comparison scored no position.");
        Estimate logPpl = mean(s.nll, s.nll2, n), logPplBase = mean(s.nllBase, s.nllBase2, n);
        double ppl = Math.exp(logPpl.value()), pplBase = Math.exp(logPplBase.value());
        double cov = covariance(s.nll, s.nllBase, s.nllNllBase, n);
        double denominator = logPpl.uncertainty() * logPplBase.uncertainty();
        double correlation = denominator > 0 ? cov / denominator : Double.NaN;
        double lnRatio = logPpl.value() - logPplBase.value();
        double lnRatioError = Math.sqrt(Math.max(0, logPpl.uncertainty() * logPpl.uncertainty()
                + logPplBase.uncertainty() * logPplBase.uncertainty() - 2 * cov));
        double pplError = ppl * logPpl.uncertainty(), pplBaseError = pplBase * logPplBase.uncertainty();
        double pplCov = ppl * pplBase * cov;
        Estimate diff = new Estimate(ppl - pplBase, Math.sqrt(Math.max(0, pplError * pplError + pplBaseError * pplBaseError - 2 * pplCov)));

        float[] klds = Arrays.copyOf(s.klds, (int) n), pDiffs = Arrays.copyOf(s.pDiffs, (int) n);
        Arrays.sort(klds);
        Arrays.sort(pDiffs);
        Map<String, Double> kldP = new LinkedHashMap<>();
        kldP.put("max", (double) klds[(int) n - 1]);
        for (double f : new double[] {0.999, 0.99, 0.95, 0.90}) kldP.put(label(f), percentile(klds, (int) n, f));
        kldP.put("median", median(klds, (int) n));
        for (double f : new double[] {0.10, 0.05, 0.01, 0.001}) kldP.put(label(f), percentile(klds, (int) n, f));
        kldP.put("min", (double) klds[0]);
        Map<String, Double> pP = new LinkedHashMap<>();
        pP.put("max", (double) pDiffs[(int) n - 1]);
        for (double f : new double[] {0.999, 0.99, 0.95, 0.90, 0.75}) pP.put(label(f), percentile(pDiffs, (int) n, f));
        pP.put("median", median(pDiffs, (int) n));
        for (double f : new double[] {0.25, 0.10, 0.05, 0.01, 0.001}) pP.put(label(f), percentile(pDiffs, (int) n, f));
        pP.put("min", (double) pDiffs[0]);

        Estimate mse = mean(s.pDiff2, s.pDiff4, n);
        double rms = Math.sqrt(mse.value());
        double sameTop = (double) s.sameTop / n;
        return new Report(n, chunks, ctx, s.floor,
                new Estimate(ppl, pplError), new Estimate(pplBase, pplBaseError), correlation,
                new Estimate(lnRatio, lnRatioError), new Estimate(Math.exp(lnRatio), Math.exp(lnRatio) * lnRatioError), diff,
                mean(s.kld, s.kld2, n), kldP,
                mean(s.pDiff, s.pDiff2, n), pP, new Estimate(rms, rms > 0 ? 0.5 / rms * mse.uncertainty() : 0),
                new Estimate(sameTop, n > 1 ? Math.sqrt(sameTop * (1 - sameTop) / (n - 1)) : 0));
    }

    /** "99.9", "95", "0.1": the percentile's label. */
    private static String label(double fraction) {
        String v = String.format(java.util.Locale.ROOT, "%.1f", 100 * fraction);
        return v.endsWith(".0") ? v.substring(0, v.length() - 2) : v;
    }
}
