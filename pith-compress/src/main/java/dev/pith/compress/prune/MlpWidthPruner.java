package dev.pith.compress.prune;

import dev.pith.compress.calib.Calibrator;
import dev.pith.compress.calib.LinearInputStats;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * MLP width pruning: a neuron's importance is the mean |activation| entering ffn_down over the
 * calibration tokens (Minitron's activation-based neuron importance). Uniform (the default): the same
 * number of the least important neurons goes from every layer (rows of ffn_gate and ffn_up, columns
 * of ffn_down), so the result is a smaller dense model with one width that llama.cpp also loads.
 * Per layer: the same total goes, chosen across all layers at once, so each block keeps its own
 * width; neurons are compared by what they add to the residual stream (mean |activation| × the L2
 * norm of their ffn_down column) relative to their block's mean, and every block keeps one at least.
 */
public final class MlpWidthPruner {
    private MlpWidthPruner() {}

    /** The pruned model, the width before, each block's width after, and each block's removed neurons. */
    public record Result(Model model, int ffnBefore, int[] ffnAfter, boolean[][] dropped) {}

    public static int keptWidth(Model m, double ratio) {
        if (!(ratio >= 0 && ratio < 1))
            throw new PithException("the ratio " + ratio + " is outside [0, 1): it is the fraction of MLP neurons to remove.");
        int ffn = m.config().ffnDim();
        return Math.max(1, ffn - (int) Math.round(ratio * ffn));
    }

    public static Result prune(Model m, double ratio, int[][] calibration, Arena arena) {
        return prune(m, ratio, calibration, arena, false);
    }

    public static Result prune(Model m, double ratio, int[][] calibration, Arena arena, boolean perLayer) {
        ModelConfig c = m.config();
        if (c.ffnDims() != null) throw new PithException(m.source() + " already has per-layer MLP widths; prune its width from the uniform model.");
        int keep = keptWidth(m, ratio);
        int layers = c.layers(), ffn = c.ffnDim();
        Set<String> downs = new HashSet<>();
        for (int l = 0; l < layers; l++) downs.add("blk." + l + ".ffn_down.weight");
        LinearInputStats stats = new LinearInputStats(downs, false);
        Calibrator.run(m, calibration, stats);
        boolean[][] drop = new boolean[layers][ffn];
        if (perLayer) {
            chooseAcrossLayers(m, stats, (long) (ffn - keep) * layers, drop);
        } else {
            for (int l = 0; l < layers; l++)
                Masks.lowest(stats.get("blk." + l + ".ffn_down.weight").abs, 0, ffn, ffn - keep, drop[l]);
        }
        Map<String, Tensor> out = new LinkedHashMap<>(m.tensors());
        int[] widths = new int[layers];
        for (int l = 0; l < layers; l++) widths[l] = removeNeurons(m, l, drop[l], arena, out);
        List<Integer> w = Arrays.stream(widths).boxed().toList();
        ModelConfig nc = c.withFfnDims(w);
        return new Result(new Model(nc, out, m.tokenizer(), F32Model.withConfig(m.metadata(), nc), m.source(), List.of()), ffn, widths, drop);
    }

    /**
     * Marks the {@code total} neurons of lowest relative score over all layers, at least one kept per
     * layer. A neuron's score is mean |activation| × ‖ffn_down column‖ (what it adds to the residual
     * stream), divided by its layer's mean score. Unnormalised scores, or mean |activation| alone,
     * strip the first blocks (whose activations are small) to a few dozen neurons: on stories260K at
     * 25 % that made held-out perplexity 32.9 and 35.2, against 15.6 relative and 14.8 uniform.
     */
    private static void chooseAcrossLayers(Model m, LinearInputStats stats, long total, boolean[][] drop) {
        int layers = drop.length, ffn = drop[0].length;
        List<double[]> all = new ArrayList<>();   // {score, layer, neuron}
        for (int l = 0; l < layers; l++) {
            Tensor d = m.tensor("blk." + l + ".ffn_down.weight");
            float[] w = F32Model.read(d);
            double[] act = stats.get(d.name()).abs, score = new double[ffn];
            double mean = 0;
            for (int i = 0; i < ffn; i++) {
                double norm = 0;
                for (int r = 0; r < d.rows(); r++) norm += (double) w[r * ffn + i] * w[r * ffn + i];
                score[i] = act[i] * Math.sqrt(norm);
                mean += score[i] / ffn;
            }
            for (int i = 0; i < ffn; i++) all.add(new double[] {score[i] / mean, l, i});
        }
        all.sort((a, b) -> a[0] != b[0] ? Double.compare(a[0], b[0]) : a[1] != b[1] ? Double.compare(a[1], b[1]) : Double.compare(a[2], b[2]));
        int[] left = new int[layers];
        Arrays.fill(left, ffn);
        long removed = 0;
        for (double[] s : all) {
            if (removed == total) break;
            int l = (int) s[1];
            if (left[l] == 1) continue;
            drop[l][(int) s[2]] = true;
            left[l]--;
            removed++;
        }
    }

    /** Replaces block l's MLP tensors in {@code out} by their kept rows/columns; returns the kept width. */
    private static int removeNeurons(Model m, int l, boolean[] drop, Arena arena, Map<String, Tensor> out) {
        String p = "blk." + l + ".";
        int ffn = drop.length, keep = 0;
        for (boolean b : drop) if (!b) keep++;
        for (String k : new String[]{"ffn_gate", "ffn_up"}) {
            Tensor t = m.tensor(p + k + ".weight");
            float[] w = F32Model.read(t), kept = new float[keep * t.cols()];
            int r2 = 0;
            for (int r = 0; r < ffn; r++) if (!drop[r]) System.arraycopy(w, r * t.cols(), kept, t.cols() * r2++, t.cols());
            out.put(t.name(), F32Model.tensor(arena, t.name(), t.cols(), keep, kept));
        }
        Tensor d = m.tensor(p + "ffn_down.weight");
        float[] w = F32Model.read(d), kept = new float[d.rows() * keep];
        for (int r = 0; r < d.rows(); r++) {
            int c2 = 0;
            for (int c = 0; c < ffn; c++) if (!drop[c]) kept[r * keep + c2++] = w[r * ffn + c];
        }
        out.put(d.name(), F32Model.tensor(arena, d.name(), keep, d.rows(), kept));
        return keep;
    }
}
