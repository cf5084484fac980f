package dev.pith.model.runtime;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks the next token from logits under {@link SamplerSettings}; deterministic for a given seed. */
public final class Sampler {
    private final SamplerSettings s;
    private final SplittableRandom random;

    public Sampler(SamplerSettings settings) {
        this.s = settings;
        this.random = new SplittableRandom(settings.seed());
    }

    /** The next token; {@code history} holds the tokens so far (prompt and generated), {@code n} of them. */
    public int sample(float[] logits, int[] history, int n) {
        float[] l = logits.clone();
        applyRepetitionPenalty(l, history, n);
        if (s.temperature() == 0) return argMax(l);

        Integer[] order = new Integer[l.length];
        for (int i = 0; i < l.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(l[b], l[a]));
        int keep = s.topK() > 0 ? Math.min(s.topK(), l.length) : l.length;

        double[] p = softmaxOver(l, order, keep, 1.0f);
        if (s.topP() < 1) {
            double cum = 0;
            for (int i = 0; i < keep; i++) {
                cum += p[i];
                if (cum >= s.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        if (s.minP() > 0) {
            double floor = p[0] * s.minP();
            int k = 1;
            while (k < keep && p[k] >= floor) k++;
            keep = k;
        }
        p = softmaxOver(l, order, keep, s.temperature());
        double r = random.nextDouble();
        double cum = 0;
        for (int i = 0; i < keep; i++) {
            cum += p[i];
            if (r < cum) return order[i];
        }
        return order[keep - 1];
    }

    private void applyRepetitionPenalty(float[] l, int[] history, int n) {
        if (s.repeatPenalty() == 1 || history == null) return;
        boolean[] seen = new boolean[l.length];
        for (int i = Math.max(0, n - s.repeatLastN()); i < n; i++) {
            int t = history[i];
            if (t < 0 || t >= l.length || seen[t]) continue;
            seen[t] = true;
            l[t] = l[t] > 0 ? l[t] / s.repeatPenalty() : l[t] * s.repeatPenalty();
        }
    }

    private static double[] softmaxOver(float[] l, Integer[] order, int keep, float temperature) {
        double[] p = new double[keep];
        double max = l[order[0]] / temperature, sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp(l[order[i]] / temperature - max);
            sum += p[i];
        }
        for (int i = 0; i < keep; i++) p[i] /= sum;
        return p;
    }

    /** Index of the largest logit; the lowest index wins ties, as llama.cpp's greedy sampler does. */
    public static int argMax(float[] l) {
        int best = 0;
        for (int i = 1; i < l.length; i++) if (l[i] > l[best]) best = i;
        return best;
    }
}
