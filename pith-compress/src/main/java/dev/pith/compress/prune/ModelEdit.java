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

/**
 * Reshaping a model: keep some rows or columns of a tensor, and rebuild the model with a new
 * configuration whose GGUF metadata describes every changed shape (heads, key/value heads, key
 * length, embedding width, not only block count and feed-forward width as {@link F32Model#withConfig}).
 */
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

    /** The model with these tensors and configuration, GGUF architecture keys rewritten from it. Shares the source's tensors: close the source after writing. */
    public static Model with(Model base, ModelConfig config, Map<String, Tensor> tensors) {
        Map<String, GgufValue> meta = new LinkedHashMap<>(base.metadata());
        if (meta.containsKey("general.architecture")) {
            meta.putAll(GgufConfig.toGguf(config));
            if (config.headDim() * config.heads() == config.dim()) {
                meta.remove(config.architecture() + ".attention.key_length");
                meta.remove(config.architecture() + ".attention.value_length");
            }
            if (meta.containsKey("general.file_type")) meta.put("general.file_type", GgufValue.u32(0));
        }
        return new Model(config, tensors, base.tokenizer(), meta, base.source(), List.of());
    }

    static Tensor keepRows(Tensor t, int[] rows) {
        int cols = t.cols();
        float[] all = floats(t), out = new float[rows.length * cols];
        for (int i = 0; i < rows.length; i++) System.arraycopy(all, rows[i] * cols, out, i * cols, cols);
        return f32(t.name(), out, rows.length, cols);
    }

    static Tensor keepCols(Tensor t, int[] cols) {
        int n = t.cols(), rows = t.rows();
        float[] all = floats(t), out = new float[rows * cols.length];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < cols.length; i++) out[r * cols.length + i] = all[r * n + cols[i]];
        return f32(t.name(), out, rows, cols.length);
    }

    /** Indices of the {@code keep} highest scores, ascending. */
    static int[] top(double[] score, int keep) {
        Integer[] order = new Integer[score.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
        int[] k = new int[keep];
        for (int i = 0; i < keep; i++) k[i] = order[i];
        java.util.Arrays.sort(k);
        return k;
    }
}
