package dev.pith.compress.prune;

import dev.pith.compress.calib.Calibration;
import dev.pith.compress.calib.ColumnStats;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Width pruning of the SwiGLU layers (Minitron, Muralidharan et al., 2024): a neuron's importance is
 * the mean |activation| entering ffn_down (silu(gate)·up) over calibration tokens; each layer loses
 * the same number of its least important neurons (rows of gate and up, columns of down), so every
 * layer keeps one width and the result is a plain dense Llama model that llama.cpp loads.
 */
public final class MlpPruner {
    private MlpPruner() {}

    /** The smaller model and the neurons kept per layer (original indices, ascending). */
    public record Result(Model model, int[][] kept) {}

    public static Result prune(Model model, double ratio, int[][] calibration) {
        int ffn = model.config().ffnDim(), layers = model.config().layers();
        if (!(ratio > 0 && ratio < 1))
            throw new PithException("--ratio must lie in (0, 1), got " + ratio + ".");
        int keep = ffn - (int) Math.round(ratio * ffn);
        if (keep < 1 || keep == ffn)
            throw new PithException("--ratio " + ratio + " of " + ffn + " neurons removes " + (ffn - keep) + "; choose a ratio that removes some and keeps some.");
        ColumnStats stats = new ColumnStats(n -> n.endsWith(".ffn_down.weight"));
        Calibration.run(model, calibration, stats, null);
        Map<String, Tensor> tensors = new LinkedHashMap<>(model.tensors());
        int[][] kept = new int[layers][];
        for (int l = 0; l < layers; l++) {
            double[] importance = stats.meanAbs("blk." + l + ".ffn_down.weight");
            Integer[] order = new Integer[ffn];
            for (int j = 0; j < ffn; j++) order[j] = j;
            Arrays.sort(order, (a, b) -> Double.compare(importance[b], importance[a]));
            int[] k = new int[keep];
            for (int i = 0; i < keep; i++) k[i] = order[i];
            Arrays.sort(k);
            kept[l] = k;
            String p = "blk." + l + ".";
            tensors.put(p + "ffn_gate.weight", keepRows(model.tensor(p + "ffn_gate.weight"), k));
            tensors.put(p + "ffn_up.weight", keepRows(model.tensor(p + "ffn_up.weight"), k));
            tensors.put(p + "ffn_down.weight", keepCols(model.tensor(p + "ffn_down.weight"), k));
        }
        Model out = ModelEdit.with(model, ModelEdit.withLayersAndFfn(model.config(), layers, keep), tensors);
        return new Result(out, kept);
    }

    static Tensor keepRows(Tensor t, int[] rows) {
        int cols = t.cols();
        float[] all = ModelEdit.floats(t), out = new float[rows.length * cols];
        for (int i = 0; i < rows.length; i++) System.arraycopy(all, rows[i] * cols, out, i * cols, cols);
        return ModelEdit.f32(t.name(), out, rows.length, cols);
    }

    static Tensor keepCols(Tensor t, int[] cols) {
        int n = t.cols(), rows = t.rows();
        float[] all = ModelEdit.floats(t), out = new float[rows * cols.length];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < cols.length; i++) out[r * cols.length + i] = all[r * n + cols[i]];
        return ModelEdit.f32(t.name(), out, rows, cols.length);
    }
}
