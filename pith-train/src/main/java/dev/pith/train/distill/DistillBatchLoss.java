package dev.pith.train.distill;

import dev.pith.core.PithException;
import dev.pith.train.BatchLoss;
import dev.pith.train.HiddenStateLoss;
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
    private OnPolicy onPolicy;
    private HiddenMatch hidden;

    public DistillBatchLoss(Teacher teacher, Divergence divergence, double alpha, double tau) {
        this.teacher = teacher;
        this.divergence = divergence;
        this.alpha = alpha;
        this.tau = tau;
        new DistillLoss(divergence, alpha, tau, buffer); // checks α and τ before any work
    }

    /** Mixes in the student's own samples (on-policy distillation); the teacher must run live, not from a cache. */
    public DistillBatchLoss withOnPolicy(OnPolicy p) {
        if (teacher instanceof TeacherCache)
            throw new PithException("on-policy distillation scores the student's own samples, which no cache holds; give a live --teacher.");
        this.onPolicy = p;
        return this;
    }

    /** Adds hidden-state matching through learned projections; the teacher must run live (a cache holds no hidden states). */
    public DistillBatchLoss withHidden(HiddenMatch h) {
        if (teacher instanceof TeacherCache)
            throw new PithException("--hidden-loss matches the teacher's hidden states, which a --teacher-cache does not hold; give a live --teacher.");
        int[] teacherBlocks = h.map().teacher();
        teacher.keepHiddenStates(teacherBlocks);
        this.hidden = h;
        return this;
    }

    @Override
    public LossFunction forBatch(int[] inputs, int[] targets, long[] offsets, int batch, int seq) {
        // on the student's own samples there is no data to fit: the teacher's judgement alone
        boolean sampled = onPolicy != null && onPolicy.rewrite(inputs, targets, offsets, batch, seq);
        double a = sampled ? 1 : alpha;
        // α = 0 without hidden states is training on the data alone: the same windows, no teacher work
        if (a == 0 && hidden == null) return LossFunction.CROSS_ENTROPY;
        int need = Math.multiplyExact(batch * seq, teacher.vocabSize());
        if (buffer.length != need) buffer = new float[need];
        teacher.logits(inputs, offsets, batch, seq, buffer);
        LossFunction onLogits = a == 0 ? LossFunction.CROSS_ENTROPY : new DistillLoss(divergence, a, tau, buffer);
        if (hidden == null) return onLogits;
        float[][] states = new float[hidden.map().size()][];
        for (int i = 0; i < states.length; i++) states[i] = teacher.hiddenState(i);
        HiddenStateLoss h = hidden.against(states);
        return new LossFunction() {
            @Override public double lossAndGradient(float[] logits, int[] targets, int n, int vocab, float scale) {
                return onLogits.lossAndGradient(logits, targets, n, vocab, scale);
            }
            @Override public HiddenStateLoss hidden() { return h; }
        };
    }

    @Override public boolean alignedWindows() { return true; }
}
