package dev.pith.compress.prune;

import dev.pith.compress.calib.Calibration;
import dev.pith.compress.calib.ColumnStats;
import dev.pith.compress.calib.Hessians;
import dev.pith.core.Tensor;
import dev.pith.model.Model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * Unstructured and N:M pruning of every block's projection matrices (embedding and output head are
 * kept, as the papers do). Sequential, block by block: the calibration statistics of block l come
 * from a forward pass through the model whose blocks 0..l−1 are already pruned, so each block
 * compensates for the errors of those before it (SparseGPT's and Wanda's reference implementations
 * do the same). Pruned matrices are written as F32 with their zeros.
 */
public final class UnstructuredPruner {
    private UnstructuredPruner() {}

    /** The pruned model, which weights were zeroed (true = pruned, rows × cols per tensor), and per-tensor counts. */
    public record Result(Model model, Map<String, boolean[]> masks, List<TensorSparsity> tensors) {}

    /** @param onBlock hears how many blocks are done */
    public static Result prune(Model model, Method method, Sparsity s, int[][] calibration, IntConsumer onBlock) {
        int layers = model.config().layers();
        for (int l = 0; l < layers; l++)
            for (String name : ModelEdit.blockMatrices(l)) s.checkRow(name, model.tensor(name).cols());
        Map<String, Tensor> tensors = new LinkedHashMap<>(model.tensors());
        Map<String, boolean[]> masks = new LinkedHashMap<>();
        List<TensorSparsity> report = new ArrayList<>();
        Model current = model;
        for (int l = 0; l < layers; l++) {
            Set<String> names = new HashSet<>(ModelEdit.blockMatrices(l));
            ColumnStats norms = null;
            Hessians hessians = null;
            if (method == Method.WANDA) Calibration.run(current, calibration, norms = new ColumnStats(names::contains), null);
            if (method == Method.SPARSEGPT)
                Calibration.run(current, calibration, hessians = new Hessians(names::contains, Hessians::llamaSharedInput), null);
            for (String name : ModelEdit.blockMatrices(l)) {
                Tensor t = model.tensor(name);
                int rows = t.rows(), cols = t.cols();
                float[] w = ModelEdit.floats(t);
                boolean[] mask = switch (method) {
                    case MAGNITUDE -> magnitude(w, rows, cols, s);
                    case WANDA -> wanda(w, rows, cols, s, norms.norms(name));
                    case SPARSEGPT -> sparseGpt(w, rows, cols, s, hessians.get(name));
                };
                long zeros = 0;
                for (int i = 0; i < w.length; i++) {
                    if (mask[i]) w[i] = 0;
                    if (w[i] == 0) zeros++;
                }
                tensors.put(name, ModelEdit.f32(name, w, rows, cols));
                masks.put(name, mask);
                report.add(new TensorSparsity(name, rows, cols, zeros));
            }
            current = ModelEdit.with(model, model.config(), tensors);
            if (onBlock != null) onBlock.accept(l + 1);
        }
        return new Result(current, masks, report);
    }

    static boolean[] magnitude(float[] w, int rows, int cols, Sparsity s) {
        float[] score = new float[w.length];
        for (int i = 0; i < w.length; i++) score[i] = Math.abs(w[i]);
        return MaskSelector.select(score, rows, cols, s, false);
    }

    /** Wanda's score |W_ij| · ‖X_j‖₂, compared per output row. */
    public static boolean[] wanda(float[] w, int rows, int cols, Sparsity s, double[] norms) {
        float[] score = new float[w.length];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++) score[r * cols + j] = (float) (Math.abs(w[r * cols + j]) * norms[j]);
        return MaskSelector.select(score, rows, cols, s, true);
    }

    private static boolean[] sparseGpt(float[] w, int rows, int cols, Sparsity s, double[] xtx) {
        double[] wd = new double[w.length];
        for (int i = 0; i < w.length; i++) wd[i] = w[i];
        double[] h = SparseGpt.prepareHessian(xtx, wd, rows, cols, SparseGpt.DAMP);
        boolean[] mask = SparseGpt.prune(wd, rows, cols, h, s, SparseGpt.BLOCK);
        for (int i = 0; i < w.length; i++) w[i] = (float) wd[i];
        return mask;
    }
}
