package dev.pith.compress.prune;

import dev.pith.compress.calib.Calibrator;
import dev.pith.compress.calib.LinearInputStats;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;

import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Attention-head pruning (Minitron's head importance): a head's importance is the root mean square
 * of its output (the slice of attn_output's input that it writes) over calibration tokens. With
 * grouped-query attention a key/value head and the query heads that share it go together, scored by
 * the sum over the group. Every layer loses the same number of groups, so the result is a uniform
 * dense model whose query width is smaller than the embedding (GGUF's key_length says so).
 */
public final class HeadPruner {
    private HeadPruner() {}

    /** The smaller model and the kv-head groups kept per layer (original numbers, ascending). */
    public record Result(Model model, int[][] keptGroups) {}

    public static Result prune(Model model, double ratio, int[][] calibration) {
        ModelConfig c = model.config();
        int groups = c.kvHeads(), perGroup = c.heads() / c.kvHeads(), hd = c.headDim();
        int keep = groups - (int) Math.round(ratio * groups);
        if (!(ratio > 0 && ratio < 1) || keep < 1 || keep == groups)
            throw new PithException("--ratio " + ratio + " of " + groups + " key/value heads removes " + (groups - keep)
                    + "; choose a ratio that removes some and keeps some.");
        Set<String> outs = new HashSet<>();
        for (int l = 0; l < c.layers(); l++) outs.add("blk." + l + ".attn_output.weight");
        LinearInputStats stats = new LinearInputStats(outs, false);
        Calibrator.run(model, calibration, stats);
        Map<String, Tensor> tensors = new LinkedHashMap<>(model.tensors());
        int[][] kept = new int[c.layers()][];
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            double[] squares = stats.get(p + "attn_output.weight").squares;
            double[] score = new double[groups];
            for (int g = 0; g < groups; g++)
                for (int h = g * perGroup; h < (g + 1) * perGroup; h++) {
                    double sq = 0;
                    for (int d = 0; d < hd; d++) sq += squares[h * hd + d];
                    score[g] += Math.sqrt(sq);
                }
            int[] k = ModelEdit.top(score, keep);
            kept[l] = k;
            int[] qRows = rowsOf(k, perGroup * hd), kvRows = rowsOf(k, hd);
            tensors.put(p + "attn_q.weight", ModelEdit.keepRows(model.tensor(p + "attn_q.weight"), qRows));
            tensors.put(p + "attn_k.weight", ModelEdit.keepRows(model.tensor(p + "attn_k.weight"), kvRows));
            tensors.put(p + "attn_v.weight", ModelEdit.keepRows(model.tensor(p + "attn_v.weight"), kvRows));
            tensors.put(p + "attn_output.weight", ModelEdit.keepCols(model.tensor(p + "attn_output.weight"), qRows));
            keepBias(model, tensors, p + "attn_q.bias", qRows);
            keepBias(model, tensors, p + "attn_k.bias", kvRows);
            keepBias(model, tensors, p + "attn_v.bias", kvRows);
        }
        ModelConfig out = c.withHeads(keep * perGroup, keep, hd);
        return new Result(ModelEdit.with(model, out, tensors), kept);
    }

    /** The consecutive rows (width each) of the kept groups. */
    private static int[] rowsOf(int[] groups, int width) {
        int[] r = new int[groups.length * width];
        for (int i = 0; i < groups.length; i++)
            for (int d = 0; d < width; d++) r[i * width + d] = groups[i] * width + d;
        return r;
    }

    private static void keepBias(Model m, Map<String, Tensor> tensors, String name, int[] rows) {
        if (!m.has(name)) return;
        float[] all = ModelEdit.floats(m.tensor(name)), out = new float[rows.length];
        for (int i = 0; i < rows.length; i++) out[i] = all[rows[i]];
        tensors.put(name, ModelEdit.f32(name, out, 0, rows.length));
    }
}
