package dev.pith.train.distill;

import dev.pith.core.Parallel;
import dev.pith.core.PithException;
import dev.pith.train.LossFunction;

/**
 * The distillation objective on one micro-batch, given the teacher's logits for the same positions:
 * (1 − α)·CE(student, data) + α·τ²·D(softmax(teacher/τ), softmax(student/τ)), averaged over
 * positions. The τ² factor (Hinton et al.) keeps the soft term's gradient on the scale of the hard
 * one as τ grows, since dD/dz = (dD/du)/τ. α = 0 is plain training, α = 1 pure distillation.
 * Each row is computed in double; rows run in parallel.
 */
public final class DistillLoss implements LossFunction {
    private final Divergence divergence;
    private final double alpha, tau;
    private final float[] teacher;

    public DistillLoss(Divergence divergence, double alpha, double tau, float[] teacherLogits) {
        if (!(alpha >= 0 && alpha <= 1)) throw new PithException("--alpha must lie in [0, 1], got " + alpha + ".");
        if (!(tau > 0) || Double.isInfinite(tau)) throw new PithException("--temperature must be positive, got " + tau + ".");
        this.divergence = divergence;
        this.alpha = alpha;
        this.tau = tau;
        this.teacher = teacherLogits;
    }

    @Override
    public double lossAndGradient(float[] logits, int[] targets, int n, int vocab, float scale) {
        if (teacher.length < (long) n * vocab) throw new IllegalArgumentException("teacher logits hold fewer than " + n + " rows of " + vocab);
        double[] rowLoss = new double[n];
        Parallel.forRange(n, 4, (from, to) -> {
            double[] zs = new double[vocab], zt = new double[vocab], grad = new double[vocab];
            double[] lp = new double[vocab], lq = new double[vocab], gu = new double[vocab];
            for (int i = from; i < to; i++) {
                int o = i * vocab;
                for (int j = 0; j < vocab; j++) {
                    zs[j] = logits[o + j];
                    zt[j] = teacher[o + j];
                }
                rowLoss[i] = row(zs, zt, targets[i], grad, lp, lq, gu);
                double g = scale / (double) n;
                for (int j = 0; j < vocab; j++) logits[o + j] = (float) (grad[j] * g);
            }
        });
        double total = 0;
        for (double l : rowLoss) total += l;
        return total / n;
    }

    /** The loss of one row and its gradient with respect to the student logits (double throughout; the scratch arrays are the caller's). */
    double row(double[] zs, double[] zt, int target, double[] grad, double[] lp, double[] lq, double[] gu) {
        int v = zs.length;
        logSoftmax(zt, tau, lp);
        logSoftmax(zs, tau, lq);
        double d = alpha > 0 ? divergence.row(lp, lq, gu) : 0;
        double loss = alpha * tau * tau * d;
        // dD/dz = (dD/du)/τ, times τ² → τ·dD/du
        for (int j = 0; j < v; j++) grad[j] = alpha > 0 ? alpha * tau * gu[j] : 0;
        if (alpha < 1) {
            logSoftmax(zs, 1, lq);
            loss += (1 - alpha) * -lq[target];
            for (int j = 0; j < v; j++) grad[j] += (1 - alpha) * Math.exp(lq[j]);
            grad[target] -= 1 - alpha;
        }
        return loss;
    }

    /** Convenience for tests and tools: one row's loss and gradient from fresh scratch space. */
    public double row(double[] zs, double[] zt, int target, double[] grad) {
        int v = zs.length;
        return row(zs, zt, target, grad, new double[v], new double[v], new double[v]);
    }

    static void logSoftmax(double[] z, double tau, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : z) max = Math.max(max, x / tau);
        double sum = 0;
        for (double x : z) sum += Math.exp(x / tau - max);
        double lse = max + Math.log(sum);
        for (int j = 0; j < z.length; j++) out[j] = z[j] / tau - lse;
    }
}
