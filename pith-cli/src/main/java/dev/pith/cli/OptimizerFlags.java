package dev.pith.cli;

import dev.pith.core.Parallel;
import dev.pith.core.PithException;
import dev.pith.train.LrSchedule;
import dev.pith.train.TrainOptions;
import dev.pith.train.TrainRun;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The optimizer, schedule, batch, evaluation and checkpoint flags of every training command (pith
 * train, finetune, distill), each read from its flag or else from a --config file ({@link ConfigValues}).
 * {@link TrainFlags} adds data, config and output handling for train and distill.
 */
final class OptimizerFlags {
    /** The --config keys these flags read. */
    static final java.util.Set<String> KEYS = java.util.Set.of("steps", "batch", "seq_len", "lr", "min_lr", "warmup", "decay", "weight_decay",
            "beta1", "beta2", "grad_clip", "grad_accum", "eval_every", "eval_batches", "checkpoint_every", "seed", "threads");

    @Option(names = "--steps", paramLabel = "N", description = "Optimizer steps (default 1000).") Integer steps;
    @Option(names = "--batch", paramLabel = "N", description = "Sequences per micro-batch (default 8).") Integer batch;
    @Option(names = "--seq-len", paramLabel = "N", description = "Tokens per sequence (default: the model's context).") Integer seqLen;
    @Option(names = "--lr", paramLabel = "X", description = "Peak learning rate (default 1e-3).") Double lr;
    @Option(names = "--min-lr", paramLabel = "X", description = "Learning rate at the last step (default lr/10).") Double minLr;
    @Option(names = "--warmup", paramLabel = "N", description = "Linear warm-up steps (default 100, at most steps/10).") Integer warmup;
    @Option(names = "--decay", paramLabel = "KIND", description = "cosine, linear or constant after warm-up (default cosine).") String decay;
    @Option(names = "--weight-decay", paramLabel = "X", description = "AdamW weight decay on matrices (default 0.1).") Double weightDecay;
    @Option(names = "--beta1", paramLabel = "X", description = "AdamW β1 (default 0.9).") Double beta1;
    @Option(names = "--beta2", paramLabel = "X", description = "AdamW β2 (default 0.95).") Double beta2;
    @Option(names = "--grad-clip", paramLabel = "X", description = "Clip gradients to this global norm, 0 = off (default 1.0).") Double gradClip;
    @Option(names = "--grad-accum", paramLabel = "N", description = "Micro-batches per optimizer step (default 1).") Integer gradAccum;
    @Option(names = "--eval-every", paramLabel = "N", description = "Validation every N steps, 0 = only at the end (default 100).") Integer evalEvery;
    @Option(names = "--eval-batches", paramLabel = "N", description = "Batches per validation (default 20).") Integer evalBatches;
    @Option(names = "--checkpoint-every", paramLabel = "N", description = "Checkpoint every N steps, 0 = only at the end (default 100).") Integer checkpointEvery;
    @Option(names = "--seed", paramLabel = "N", description = "Seed for initialisation and data order (default 1337).") Long seed;
    @Option(names = "--threads", paramLabel = "N", description = "Threads (default: all cores).") Integer threads;

    void applyThreads(ConfigValues v) {
        Integer th = v.integer(threads, "threads", null);
        if (th != null) Parallel.setThreads(th);
    }

    long seed(ConfigValues v) { return v.longValue(seed, "seed", 1337L); }

    /** The run's hyper-parameters; sequences default to the model's context and may not exceed it. */
    TrainOptions options(ConfigValues v, int context) {
        TrainOptions def = TrainOptions.defaults();
        int stepsV = v.integer(steps, "steps", def.steps());
        double lrV = v.number(lr, "lr", def.lr());
        String decayV = v.string(decay, "decay", "cosine");
        LrSchedule.Decay decayKind = switch (decayV) {
            case "cosine" -> LrSchedule.Decay.COSINE;
            case "linear" -> LrSchedule.Decay.LINEAR;
            case "constant" -> LrSchedule.Decay.CONSTANT;
            default -> throw new PithException("--decay must be cosine, linear or constant, not '" + decayV + "'.");
        };
        TrainOptions o = new TrainOptions(stepsV, v.integer(batch, "batch", def.batch()),
                v.integer(seqLen, "seq_len", context), lrV, v.number(minLr, "min_lr", lrV / 10),
                v.integer(warmup, "warmup", Math.min(def.warmup(), stepsV / 10)), decayKind,
                v.number(weightDecay, "weight_decay", def.weightDecay()), v.number(beta1, "beta1", def.beta1()),
                v.number(beta2, "beta2", def.beta2()), def.eps(), v.number(gradClip, "grad_clip", def.gradClip()),
                v.integer(gradAccum, "grad_accum", def.gradAccum()), seed(v)).validate();
        if (o.seqLen() > context)
            throw new PithException("--seq-len " + o.seqLen() + " is longer than the model's context of " + context + " tokens.");
        return o;
    }

    TrainRun.Settings settings(ConfigValues v, Path out) {
        return new TrainRun.Settings(v.integer(evalEvery, "eval_every", 100), v.integer(evalBatches, "eval_batches", 20),
                v.integer(checkpointEvery, "checkpoint_every", 100), out);
    }
}
