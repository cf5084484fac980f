package dev.pith.train;

import dev.pith.core.PithException;

/**
 * The hyper-parameters of one training run (the optimizer, schedule and batch shape; where the
 * data and model come from is the caller's business).
 */
public record TrainOptions(
        int steps,
        int batch,
        int seqLen,
        double lr,
        double minLr,
        int warmup,
        LrSchedule.Decay decay,
        double weightDecay,
        double beta1,
        double beta2,
        double eps,
        double gradClip,
        int gradAccum,
        long seed) {

    public static TrainOptions defaults() {
        return new TrainOptions(1000, 8, 128, 1e-3, 1e-4, 100, LrSchedule.Decay.COSINE, 0.1, 0.9, 0.95, 1e-8, 1.0, 1, 1337);
    }

    public LrSchedule schedule() { return new LrSchedule(lr, minLr, warmup, steps, decay); }

    /** Impossible settings, as one sentence each. */
    public TrainOptions validate() {
        if (steps < 1) throw new PithException("--steps must be at least 1, got " + steps + ".");
        if (batch < 1) throw new PithException("--batch must be at least 1, got " + batch + ".");
        if (seqLen < 1) throw new PithException("--seq-len must be at least 1, got " + seqLen + ".");
        if (gradAccum < 1) throw new PithException("--grad-accum must be at least 1, got " + gradAccum + ".");
        if (warmup < 0) throw new PithException("--warmup cannot be negative, got " + warmup + ".");
        if (!(lr > 0) || !(minLr >= 0) || minLr > lr) throw new PithException("--lr must be positive and --min-lr between 0 and --lr (got " + lr + " and " + minLr + ").");
        if (!(weightDecay >= 0)) throw new PithException("--weight-decay cannot be negative, got " + weightDecay + ".");
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) throw new PithException("AdamW betas must lie in [0, 1).");
        return this;
    }
}
