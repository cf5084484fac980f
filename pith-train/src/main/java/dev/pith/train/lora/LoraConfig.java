package dev.pith.train.lora;

import dev.pith.core.PithException;

import java.util.Set;

/** The shape of a LoRA fine-tune: rank r, α (the update is scaled by α/r), dropout on the adapter's input, the adapted projections. */
public record LoraConfig(int rank, double alpha, double dropout, Set<LoraTarget> targets) {
    public LoraConfig {
        if (rank < 1) throw new PithException("--lora-rank must be at least 1, got " + rank + ".");
        if (!(alpha > 0)) throw new PithException("--lora-alpha must be positive, got " + alpha + ".");
        if (!(dropout >= 0 && dropout < 1)) throw new PithException("--lora-dropout must lie in [0, 1), got " + dropout + ".");
        if (targets.isEmpty()) throw new PithException("--targets names no projection.");
        targets = Set.copyOf(targets);
    }

    public double scale() { return alpha / rank; }
}
