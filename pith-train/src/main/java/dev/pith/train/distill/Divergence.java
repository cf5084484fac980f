package dev.pith.train.distill;

import dev.pith.core.PithException;

/**
 * How far a student distribution q lies from the teacher's p, with its gradient with respect to the
 * student's (temperature-scaled) logits u, where q = softmax(u). Each works on one row in double:
 * logP and logQ are log-probabilities; {@code gradU} receives dD/du.
 *
 * <ul>
 * <li>forward KL(p‖q) = Σ p (log p − log q): mode-covering, Hinton's distillation; dD/du = q − p.</li>
 * <li>reverse KL(q‖p) = Σ q (log q − log p): mode-seeking (MiniLLM); dD/du_j = q_j (f_j − D), f = log q − log p.</li>
 * <li>generalised JSD_β = β KL(p‖m) + (1−β) KL(q‖m), m = βp + (1−β)q (GKD). With respect to q the
 *     p-terms cancel and dD/dq = (1−β) log(q/m); the softmax then gives dD/du_j = q_j (g_j − Σ q g).</li>
 * <li>skew KL_α(p‖q) = KL(p ‖ αp + (1−α)q) (DistiLLM): dD/dq = −(1−α) p/m, again through the softmax.
 *     α = 0 is forward KL; a small α keeps the loss finite where the student puts no mass.</li>
 * </ul>
 */
public record Divergence(Kind kind, double coefficient) {
    public enum Kind { KL, RKL, JSD, SKL }

    public Divergence {
        if (kind == Kind.JSD && !(coefficient > 0 && coefficient < 1))
            throw new PithException("the JSD weight β must lie strictly between 0 and 1, got " + coefficient + ".");
        if (kind == Kind.SKL && !(coefficient >= 0 && coefficient < 1))
            throw new PithException("the skew α must lie in [0, 1), got " + coefficient + ".");
    }

    /** The divergence named on the command line: kl, rkl, jsd (β = {@code beta}) or skl (α = {@code skew}). */
    public static Divergence parse(String name, double beta, double skew) {
        return switch (name.toLowerCase()) {
            case "kl" -> new Divergence(Kind.KL, 0);
            case "rkl" -> new Divergence(Kind.RKL, 0);
            case "jsd" -> new Divergence(Kind.JSD, beta);
            case "skl" -> new Divergence(Kind.SKL, skew);
            default -> throw new PithException("--loss must be kl, rkl, jsd or skl, not '" + name + "'.");
        };
    }

    /** D(p, q) for one row; fills {@code gradU} with dD/du (u the student's scaled logits, q = softmax(u)). */
    public double row(double[] logP, double[] logQ, double[] gradU) {
        int v = logP.length;
        double d = 0;
        switch (kind) {
            case KL -> {
                for (int j = 0; j < v; j++) {
                    double p = Math.exp(logP[j]), q = Math.exp(logQ[j]);
                    if (p > 0) d += p * (logP[j] - logQ[j]);
                    gradU[j] = q - p;
                }
                return d;
            }
            case RKL -> {
                for (int j = 0; j < v; j++) {
                    double q = Math.exp(logQ[j]);
                    if (q > 0) d += q * (logQ[j] - logP[j]);
                }
                for (int j = 0; j < v; j++) {
                    double q = Math.exp(logQ[j]);
                    gradU[j] = q > 0 ? q * (logQ[j] - logP[j] - d) : 0;
                }
                return d;
            }
            default -> {
                // JSD and SKL: a gradient g with respect to q, then through the softmax.
                double a = coefficient, mean = 0;
                for (int j = 0; j < v; j++) {
                    double p = Math.exp(logP[j]), q = Math.exp(logQ[j]);
                    double m = a * p + (1 - a) * q;
                    double logM = Math.log(m);
                    double g;
                    if (kind == Kind.JSD) {
                        if (p > 0) d += a * p * (logP[j] - logM);
                        if (q > 0) d += (1 - a) * q * (logQ[j] - logM);
                        g = q > 0 ? (1 - a) * (logQ[j] - logM) : 0;
                    } else {
                        if (p > 0) d += p * (logP[j] - logM);
                        g = m > 0 ? -(1 - a) * p / m : 0;
                    }
                    gradU[j] = g;
                    mean += q * g;
                }
                for (int j = 0; j < v; j++) gradU[j] = Math.exp(logQ[j]) * (gradU[j] - mean);
                return d;
            }
        }
    }

    @Override
    public String toString() {
        return switch (kind) {
            case KL -> "kl";
            case RKL -> "rkl";
            case JSD -> "jsd(β=" + coefficient + ")";
            case SKL -> "skl(α=" + coefficient + ")";
        };
    }
}
