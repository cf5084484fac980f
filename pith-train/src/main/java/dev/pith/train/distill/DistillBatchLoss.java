package dev.pith.train.distill;

import dev.pith.train.BatchLoss;
import dev.pith.train.LossFunction;

/**
 * Plugs a teacher into the {@link dev.pith.train.Trainer}: for every micro-batch it asks the teacher
 * for the logits of the same windows and returns the {@link DistillLoss} against them. Windows are
 * aligned to multiples of the sequence length whether the teacher runs live or from a cache, so a
 * cached run with K = vocabulary sees exactly the batches and logits of the live one.
 */
public final class DistillBatchLoss implements BatchLoss {
    private final Teacher teacher;
    private final Divergence divergence;
    private final double alpha, tau;
    private float[] buffer = new float[0];

    public DistillBatchLoss(Teacher teacher, Divergence divergence, double alpha, double tau) {
        this.teacher = teacher;
        this.divergence = divergence;
        this.alpha = alpha;
        this.tau = tau;
        new DistillLoss(divergence, alpha, tau, buffer); // checks α and τ before any work
    }

    @Override
    public LossFunction forBatch(int[] inputs, int[] targets, long[] offsets, int batch, int seq) {
        // α = 0 is training on the data alone: the same windows, no teacher work
        if (alpha == 0) return LossFunction.CROSS_ENTROPY;
        int need = Math.multiplyExact(batch * seq, teacher.vocabSize());
        if (buffer.length != need) buffer = new float[need];
        teacher.logits(inputs, offsets, batch, seq, buffer);
        return new DistillLoss(divergence, alpha, tau, buffer);
    }

    @Override public boolean alignedWindows() { return true; }
}
