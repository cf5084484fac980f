package dev.pith.compress.prune;

import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.LrSchedule;
import dev.pith.train.ModelBridge;
import dev.pith.train.TokenSource;
import dev.pith.train.TrainOptions;
import dev.pith.train.Trainer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * A short fine-tune after pruning, with the training engine. Pruned weights stay pruned: after every
 * optimizer step the masked weights are set back to zero, so AdamW's moments may move them inside a
 * step but no step ends with them non-zero (the projected-gradient view of fixed-mask training).
 */
public final class Recovery {
    private Recovery() {}

    public record Result(Model model, double firstLoss, double lastLoss, int steps) {}

    /** Training options for a brief recovery: short warm-up, cosine to lr/10, no weight decay (it would shrink what pruning kept). */
    public static TrainOptions options(int steps, int batch, int seqLen, double lr, long seed) {
        return new TrainOptions(steps, batch, seqLen, lr, lr / 10, Math.min(10, steps / 10), LrSchedule.Decay.COSINE,
                0.0, 0.9, 0.95, 1e-8, 1.0, 1, seed);
    }

    /** @param masks per tensor name, true where the weight must stay zero (empty for structured pruning) */
    public static Result recover(Model pruned, Map<String, boolean[]> masks, TokenSource data, TrainOptions options, IntConsumer onStep) {
        LlamaTrainModel m = ModelBridge.fromModel(pruned);
        Trainer trainer = new Trainer(m, options, data, null);
        double first = Double.NaN, last = Double.NaN;
        for (int s = 0; s < options.steps(); s++) {
            last = trainer.trainStep();
            if (s == 0) first = last;
            applyMasks(m, masks);
            if (onStep != null) onStep.accept(s + 1);
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>(pruned.tensors());
        tensors.putAll(ModelBridge.toModel(m, pruned.tokenizer(), pruned.source()).tensors());
        return new Result(ModelEdit.with(pruned, pruned.config(), tensors), first, last, options.steps());
    }

    /** The zeros of every block's projection matrices, as the masks that must stay zero (from an unstructured or N:M pruning). */
    public static Map<String, boolean[]> zeroMasks(Model pruned) {
        Map<String, boolean[]> masks = new LinkedHashMap<>();
        for (int l = 0; l < pruned.config().layers(); l++)
            for (String name : BlockMatrices.names(l)) {
                float[] w = ModelEdit.floats(pruned.tensor(name));
                boolean[] m = new boolean[w.length];
                for (int i = 0; i < w.length; i++) m[i] = w[i] == 0;
                masks.put(name, m);
            }
        return masks;
    }

    public static void applyMasks(LlamaTrainModel m, Map<String, boolean[]> masks) {
        for (Map.Entry<String, boolean[]> e : masks.entrySet()) {
            float[] w = m.param(e.getKey()).w;
            boolean[] mask = e.getValue();
            for (int i = 0; i < w.length; i++) if (mask[i]) w[i] = 0;
        }
    }
}
