package dev.pith.train.distill;

import dev.pith.core.PithException;
import dev.pith.model.runtime.Sampler;
import dev.pith.model.runtime.SamplerSettings;
import dev.pith.model.runtime.Transformer;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.ModelBridge;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * On-policy distillation (GKD): with probability λ a micro-batch is replaced by the student's own
 * continuations. Each window keeps its first half from the data as the prompt; the student (a
 * snapshot of its current weights, run by the inference runtime) samples the rest, and the teacher
 * then scores those tokens, so the student learns where its own generations lead it rather than
 * only on text it would not have written.
 *
 * <p>Seeded without state of its own: the coin and the sampler's seed are derived from the run's
 * seed and the batch's window offsets, which the checkpoint restores, so a resumed run draws
 * exactly the same samples.
 */
public final class OnPolicy {
    private final LlamaTrainModel student;
    private final double lambda;
    private final float temperature;
    private final long seed;

    public OnPolicy(LlamaTrainModel student, double lambda, double temperature, long seed) {
        if (!(lambda >= 0 && lambda <= 1)) throw new PithException("--on-policy λ must lie in [0, 1], got " + lambda + ".");
        if (!(temperature > 0) || Double.isInfinite(temperature)) throw new PithException("--sample-temperature must be positive, got " + temperature + ".");
        this.student = student;
        this.lambda = lambda;
        this.temperature = (float) temperature;
        this.seed = seed;
    }

    /**
     * Possibly rewrites the batch in place with the student's samples: inputs keep the prompt half,
     * the rest and the targets become sampled tokens. Returns whether it did.
     */
    public boolean rewrite(int[] inputs, int[] targets, long[] offsets, int batch, int seq) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (int r = 0; r < batch; r++) h = (h ^ offsets[r]) * 0xBF58476D1CE4E5B9L + r;
        SplittableRandom coin = new SplittableRandom(h);
        if (lambda == 0 || coin.nextDouble() >= lambda) return false;
        Transformer runtime = new Transformer(ModelBridge.toModel(student, null, Path.of("student")));
        Sampler sampler = new Sampler(new SamplerSettings(temperature, 0, 1, 0, 1, 64, coin.nextLong()));
        int prompt = Math.max(1, seq / 2);
        int[] row = new int[seq + 1];
        for (int r = 0; r < batch; r++) {
            System.arraycopy(inputs, r * seq, row, 0, prompt);
            runtime.reset();
            float[] logits = runtime.forward(java.util.Arrays.copyOf(row, prompt));
            for (int i = prompt; i <= seq; i++) {
                row[i] = sampler.sample(logits, row, i);
                if (i < seq) logits = runtime.forward(new int[] {row[i]});
            }
            System.arraycopy(row, 0, inputs, r * seq, seq);
            System.arraycopy(row, 1, targets, r * seq, seq);
        }
        return true;
    }
}
