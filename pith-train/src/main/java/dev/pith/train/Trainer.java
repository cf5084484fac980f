package dev.pith.train;

import java.util.List;

/**
 * The optimisation loop of one run: per step, gradient accumulation over micro-batches drawn by a
 * {@link BatchSampler}, clipping by global norm, the learning-rate schedule, an AdamW update.
 * Everything that decides the next step (weights, optimizer moments, step number, sampler state)
 * is held here and saved by {@link Checkpoint}, so a resumed run repeats the uninterrupted one bit
 * for bit.
 */
public final class Trainer {
    /** Validation batches come from their own generator, reseeded for every evaluation: the same windows each time. */
    private static final long VAL_SEED_MIX = 0x5DEECE66DL;

    private final LlamaTrainModel model;
    private final TrainOptions options;
    private final BatchSampler train;
    private final TokenSource val;
    private final AdamW adam;
    private final LrSchedule schedule;
    private final int[] inputs, targets;
    private final BatchLoss batchLoss;
    private long step;
    private double lastGradNorm;
    private StepHook hook = StepHook.NONE;

    /**
     * Work a fine-tuning method does around each optimizer step (AdaLoRA: its orthogonality
     * regulariser's gradient after backward, its importance update and rank masking after the update).
     */
    public interface StepHook {
        StepHook NONE = new StepHook() {};
        /** After every micro-batch's backward, before clipping: add gradients of extra loss terms. */
        default void afterBackward() {}
        /** After the optimizer update of step {@code step} (0-based), before the gradients are cleared. */
        default void afterUpdate(long step) {}
        /** What the hook's state is, in errors (null: it keeps none, and checkpoints carry nothing for it). */
        default String stateName() { return null; }
        /** The hook's own state, which a checkpoint carries so that a resumed run continues exactly (only with a {@link #stateName}). */
        default byte[] saveState() { throw new UnsupportedOperationException("no state"); }
        /** Restores what {@link #saveState} wrote; a state of another shape is refused with a {@link dev.pith.core.PithException} naming {@code file}. */
        default void restoreState(java.nio.ByteBuffer state, java.nio.file.Path file) { throw new UnsupportedOperationException("no state"); }
    }

    public Trainer(LlamaTrainModel model, TrainOptions options, TokenSource train, TokenSource val) {
        this(model, options, train, val, BatchLoss.CROSS_ENTROPY);
    }

    /** A run whose micro-batch losses come from {@code batchLoss} (distillation) instead of cross-entropy. */
    public Trainer(LlamaTrainModel model, TrainOptions options, TokenSource train, TokenSource val, BatchLoss batchLoss) {
        this.model = model;
        this.batchLoss = batchLoss;
        this.options = options.validate();
        if (options.seqLen() > model.config().contextLength())
            throw new dev.pith.core.PithException("--seq-len " + options.seqLen() + " is longer than the model's context of " + model.config().contextLength() + ".");
        this.train = new BatchSampler(train, options.batch(), options.seqLen(), new Rng(options.seed()), "the training data", batchLoss.alignedWindows());
        this.val = val;
        if (val != null) new BatchSampler(val, options.batch(), options.seqLen(), new Rng(0), "the validation data");
        this.adam = new AdamW(model.trainableParams(), options.beta1(), options.beta2(), options.eps(), options.weightDecay());
        this.schedule = options.schedule();
        this.inputs = new int[options.batch() * options.seqLen()];
        this.targets = new int[options.batch() * options.seqLen()];
    }

    public LlamaTrainModel model() { return model; }
    public TrainOptions options() { return options; }
    public long step() { return step; }
    public double lastGradNorm() { return lastGradNorm; }
    public double learningRate() { return schedule.at(step); }
    AdamW adam() { return adam; }
    public void setHook(StepHook h) { this.hook = h == null ? StepHook.NONE : h; }
    StepHook hook() { return hook; }
    Rng sampleRng() { return train.rng(); }
    void setStep(long s) { step = s; }

    /** Tokens one optimizer step consumes. */
    public long tokensPerStep() { return (long) options.batch() * options.seqLen() * options.gradAccum(); }

    /** One optimizer step; returns the mean training loss of its micro-batches. */
    public double trainStep() {
        List<Param> params = model.trainableParams();
        double lr = schedule.at(step);
        model.zeroGrad();
        int accum = options.gradAccum();
        double loss = 0;
        for (int a = 0; a < accum; a++) {
            train.next(inputs, targets);
            LossFunction f = batchLoss.forBatch(inputs, targets, train.offsets(), options.batch(), options.seqLen());
            loss += model.forwardBackward(inputs, targets, options.batch(), options.seqLen(), 1f / accum, f);
        }
        hook.afterBackward();
        lastGradNorm = GradClip.clip(params, options.gradClip());
        adam.step(lr);
        hook.afterUpdate(step);
        step++;
        return loss / accum;
    }

    /** Mean validation loss over {@code batches} fixed random batches (NaN without validation data). */
    public double evaluate(int batches) {
        if (val == null) return Double.NaN;
        BatchSampler s = new BatchSampler(val, options.batch(), options.seqLen(), new Rng(options.seed() ^ VAL_SEED_MIX), "the validation data");
        int[] in = new int[inputs.length], tg = new int[targets.length];
        double sum = 0;
        for (int i = 0; i < batches; i++) {
            s.next(in, tg);
            sum += model.loss(in, tg, options.batch(), options.seqLen());
        }
        return sum / batches;
    }
}
