package dev.pith.train;

/**
 * Learning rate per optimizer step: linear warm-up from lr/warmup to lr over the first
 * {@code warmup} steps, then cosine or linear decay to {@code minLr} at the last step (or constant).
 */
public record LrSchedule(double lr, double minLr, int warmup, int steps, Decay decay) {
    public enum Decay { COSINE, LINEAR, CONSTANT }

    public double at(long step) {
        if (step < warmup) return lr * (step + 1) / warmup;
        if (decay == Decay.CONSTANT) return lr;
        double progress = Math.min(1.0, (double) (step - warmup) / Math.max(1, steps - warmup));
        double f = decay == Decay.COSINE ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
        return minLr + f * (lr - minLr);
    }
}
