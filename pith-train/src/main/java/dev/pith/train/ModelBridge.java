package dev.pith.train;

import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.core.kernel.MatMul;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.tokenizer.Tokenizer;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Between a trainable model and Pith's {@link Model}: export trained weights as F32 tensors under GGUF names, and start training from a loaded model. */
public final class ModelBridge {
    private ModelBridge() {}

    /** A snapshot of the weights (copied, so training on does not change it) as a model the writers and the runtime take. */
    public static Model toModel(LlamaTrainModel m, Tokenizer tokenizer, Path source) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Param p : m.params()) {
            float[] copy = p.w.clone();
            tensors.put(p.name(), new Tensor(p.name(), DType.F32, p.ggmlShape(), MemorySegment.ofArray(copy)));
        }
        return new Model(m.config(), tensors, tokenizer, null, source, List.of());
    }

    /** A trainable copy of a loaded model's weights (any tensor type the runtime reads, dequantized to F32). */
    public static LlamaTrainModel fromModel(Model model) { return fromModel(model, name -> LlamaTrainModel.Storage.TRAINABLE); }

    /**
     * The same, with each parameter trainable, frozen, or left in the loaded model's tensor (stored
     * elsewhere: not copied; the caller reads it through {@link Linear.FrozenBase} and keeps the model open).
     */
    public static LlamaTrainModel fromModel(Model model, java.util.function.Function<String, LlamaTrainModel.Storage> storage) {
        ModelConfig c = model.config();
        boolean tied = c.tiedEmbeddings() || !model.has("output.weight");
        LlamaTrainModel m = new LlamaTrainModel(c.withTiedEmbeddings(tied), storage);
        for (Param p : m.params()) {
            Tensor t = model.tensor(p.name());
            if (t.elementCount() != p.size() || t.cols() != p.cols())
                throw new PithException(model.source() + ": tensor " + p.name() + " has shape " + java.util.Arrays.toString(t.shape())
                        + " where the configuration needs " + p.rows() + "×" + p.cols() + ".");
            if (p.inHeap()) for (int r = 0; r < p.rows(); r++) MatMul.getRow(t, r, p.w, r * p.cols());
        }
        return m;
    }
}
