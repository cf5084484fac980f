package dev.pith.compress.prune;

import dev.pith.compress.calib.Calibrator;
import dev.pith.compress.calib.LinearInputStats;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;

import java.lang.foreign.Arena;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MLP width pruning: a neuron's importance is the mean |activation| entering ffn_down over the
 * calibration tokens (Minitron's activation-based neuron importance); the same number of the least
 * important neurons goes from every layer (rows of ffn_gate and ffn_up, columns of ffn_down), so
 * the result is a smaller dense model with one uniform width that llama.cpp also loads.
 */
public final class MlpWidthPruner {
    private MlpWidthPruner() {}

    public record Result(Model model, int ffnBefore, int ffnAfter) {}

    public static int keptWidth(Model m, double ratio) {
        if (!(ratio >= 0 && ratio < 1))
            throw new PithException("the ratio " + ratio + " is outside [0, 1): it is the fraction of MLP neurons to remove.");
        int ffn = m.config().ffnDim();
        return Math.max(1, ffn - (int) Math.round(ratio * ffn));
    }

    public static Result prune(Model m, double ratio, int[][] calibration, Arena arena) {
        int keep = keptWidth(m, ratio);
        int layers = m.config().layers(), ffn = m.config().ffnDim();
        java.util.Set<String> downs = new HashSet<>();
        for (int l = 0; l < layers; l++) downs.add("blk." + l + ".ffn_down.weight");
        LinearInputStats stats = new LinearInputStats(downs, false);
        Calibrator.run(m, calibration, stats);
        Map<String, Tensor> out = new LinkedHashMap<>(m.tensors());
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            double[] importance = stats.get(p + "ffn_down.weight").abs;
            boolean[] drop = new boolean[ffn];
            Masks.lowest(importance, 0, ffn, ffn - keep, drop);
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
        }
        ModelConfig c = m.config();
        ModelConfig nc = new ModelConfig(c.architecture(), c.dim(), layers, c.heads(), c.kvHeads(), c.headDim(), keep, c.vocabSize(),
                c.contextLength(), c.rmsEps(), c.ropeTheta(), c.ropeDim(), c.ropeNeox(), c.ropeScaling(), c.tiedEmbeddings());
        return new Result(new Model(nc, out, m.tokenizer(), F32Model.withConfig(m.metadata(), nc), m.source(), List.of()), ffn, keep);
    }
}
