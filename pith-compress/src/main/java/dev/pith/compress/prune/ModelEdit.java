package dev.pith.compress.prune;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.kernel.MatMul;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.gguf.GgufValue;
import dev.pith.model.hf.GgufConfig;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Building a changed copy of a model: tensors as floats and back, a new configuration with metadata to match. */
public final class ModelEdit {
    private ModelEdit() {}

    /** Every element of a tensor (any stored type) as floats, row-major. */
    public static float[] floats(Tensor t) {
        float[] v = new float[Math.toIntExact(t.elementCount())];
        for (int r = 0; r < t.rows(); r++) MatMul.getRow(t, r, v, r * t.cols());
        return v;
    }

    /** An F32 matrix of rows × cols (a vector when rows is 0) on the heap. */
    public static Tensor f32(String name, float[] data, int rows, int cols) {
        long[] shape = rows == 0 ? new long[] {cols} : new long[] {cols, rows};
        return new Tensor(name, DType.F32, shape, MemorySegment.ofArray(data));
    }

    /**
     * The model with these tensors and this configuration. A GGUF source's metadata is kept, with its
     * architecture keys rewritten from the new configuration (block count, feed-forward width) so
     * the file llama.cpp loads describes the pruned shapes. The result shares the source's mapped
     * tensors: close the source only after the result is written.
     */
    public static Model with(Model base, ModelConfig config, Map<String, Tensor> tensors) {
        Map<String, GgufValue> meta = new LinkedHashMap<>(base.metadata());
        if (meta.containsKey("general.architecture")) meta.putAll(GgufConfig.toGguf(config));
        return new Model(config, tensors, base.tokenizer(), meta, base.source(), List.of());
    }

    public static ModelConfig withLayersAndFfn(ModelConfig c, int layers, int ffn) {
        return new ModelConfig(c.architecture(), c.dim(), layers, c.heads(), c.kvHeads(), c.headDim(), ffn, c.vocabSize(),
                c.contextLength(), c.rmsEps(), c.ropeTheta(), c.ropeDim(), c.ropeNeox(), c.ropeScaling(), c.tiedEmbeddings());
    }

    /** Names of block {@code layer}'s weight matrices that pruning touches (attention and SwiGLU projections). */
    public static List<String> blockMatrices(int layer) {
        String p = "blk." + layer + ".";
        return List.of(p + "attn_q.weight", p + "attn_k.weight", p + "attn_v.weight", p + "attn_output.weight",
                p + "ffn_gate.weight", p + "ffn_up.weight", p + "ffn_down.weight");
    }
}
