package dev.pith.train.lora;

import dev.pith.core.PithException;

import java.util.Set;

/**
 * The shape and schedule of an AdaLoRA fine-tune (Zhang et al., ICLR 2023), with PEFT's names and
 * defaults: every targeted projection starts with {@code initRank} triplets (P·Λ·Q), and the total
 * budget falls cubically from initRank·n to targetRank·n (n adapted projections) between step
 * {@code tinit} and step {@code totalSteps − tfinal}, re-masked every {@code deltaT} steps by the
 * smoothed importance (EMA factors β1 for sensitivity, β2 for uncertainty). The orthogonality
 * penalty ‖PᵀP − I‖ + ‖QQᵀ − I‖ is weighted by {@code orthRegWeight}. Updates are scaled by
 * α/(initRank + 1e-5), PEFT's {@code scaling / ranknum}.
 */
public record AdaLoraConfig(int initRank, int targetRank, double alpha, double dropout, Set<LoraTarget> targets,
                            int tinit, int tfinal, int deltaT, double beta1, double beta2, double orthRegWeight, long totalSteps) {
    public static final int TINIT = 0, TFINAL = 0, DELTA_T = 1;
    public static final double BETA1 = 0.85, BETA2 = 0.85, ORTH_REG_WEIGHT = 0.5;

    public AdaLoraConfig {
        if (initRank < 1) throw new PithException("--init-rank must be at least 1, got " + initRank + ".");
        if (targetRank < 0 || targetRank > initRank)
            throw new PithException("--target-rank must lie between 0 and --init-rank " + initRank + ", got " + targetRank + ".");
        if (!(alpha > 0)) throw new PithException("--lora-alpha must be positive, got " + alpha + ".");
        if (!(dropout >= 0 && dropout < 1)) throw new PithException("--lora-dropout must lie in [0, 1), got " + dropout + ".");
        if (targets.isEmpty()) throw new PithException("--targets names no projection.");
        if (tinit < 0 || tfinal < 0) throw new PithException("--tinit and --tfinal must not be negative.");
        if (deltaT < 1) throw new PithException("--delta-t must be at least 1, got " + deltaT + ".");
        if (!(beta1 > 0 && beta1 < 1) || !(beta2 > 0 && beta2 < 1)) throw new PithException("--beta-ipt and --beta-unc must lie strictly between 0 and 1.");
        if (!(orthRegWeight > 0)) throw new PithException("--orth-reg-weight must be positive (PEFT refuses 0 too), got " + orthRegWeight + ".");
        if (tinit >= totalSteps - tfinal)
            throw new PithException("the AdaLoRA schedule leaves no steps to reduce the rank: --tinit " + tinit + " must be below --steps " + totalSteps + " minus --tfinal " + tfinal + ".");
        targets = Set.copyOf(targets);
    }

    /** PEFT's factor scaling / (ranknum + 1e-5), with ranknum the initial rank (kept after pruning). */
    public double scale() { return alpha / (initRank + 1e-5); }
}
