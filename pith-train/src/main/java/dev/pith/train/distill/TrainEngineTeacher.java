package dev.pith.train.distill;

import dev.pith.model.Model;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.ModelBridge;

/**
 * A teacher run through the training engine's batched forward pass (all windows of a batch in one
 * set of matrix products): faster than the runtime's window-by-window decode for float teachers,
 * whose weights it holds as F32 exactly. Never given gradients.
 */
public final class TrainEngineTeacher implements Teacher {
    private final LlamaTrainModel model;
    private int[] keep = new int[0];

    public TrainEngineTeacher(Model model) { this.model = ModelBridge.fromModel(model); }

    @Override public int vocabSize() { return model.config().vocabSize(); }

    @Override
    public void logits(int[] inputs, long[] offsets, int batch, int seq, float[] out) {
        model.forward(inputs, batch, seq);
        System.arraycopy(model.logits(), 0, out, 0, batch * seq * vocabSize());
    }

    @Override public void keepHiddenStates(int[] layers) { keep = layers.clone(); }

    // the training engine keeps every block's output anyway, until the next forward pass
    @Override public float[] hiddenState(int i) { return model.hiddenState(keep[i]); }

    /**
     * The faster engine that computes this model exactly: the training engine for a float model of
     * a shape it trains, the runtime otherwise (quantized weights, architectures it does not train).
     */
    public static Teacher forModel(Model model) {
        boolean floats = model.tensors().values().stream().allMatch(t -> switch (t.type()) {
            case F32, F16, BF16 -> true;
            default -> false;
        });
        if (floats) {
            try {
                LlamaTrainModel.validate(model.config());
                return new TrainEngineTeacher(model);
            } catch (dev.pith.core.PithException notTrainable) {
                // fall through to the runtime, which runs every architecture Pith loads
            }
        }
        return new RuntimeTeacher(model);
    }
}
