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
 * Embedding-channel pruning (Minitron): a channel of the residual stream is as important as the mean
 * |value| the RMSNorms hand to attention and the MLP in that channel, summed over every block. The
 * least important channels leave every tensor that reads or writes the residual stream: columns of
 * the embedding, the output head, q/k/v, gate and up; rows of attn_output and ffn_down; entries of
 * every norm. The head width stays, so the query width then exceeds the embedding (GGUF's
 * key_length). Not exact: each RMSNorm now averages over fewer channels; recovery training helps.
 */
public final class EmbeddingPruner {
    private EmbeddingPruner() {}

    public record Result(Model model, int[] kept) {}

    public static Result prune(Model model, double ratio, int[][] calibration) {
        ModelConfig c = model.config();
        int dim = c.dim(), keep = dim - (int) Math.round(ratio * dim);
        if (!(ratio > 0 && ratio < 1) || keep < 1 || keep == dim)
            throw new PithException("--ratio " + ratio + " of " + dim + " embedding channels removes " + (dim - keep)
                    + "; choose a ratio that removes some and keeps some.");
        Set<String> normed = new HashSet<>();
        for (int l = 0; l < c.layers(); l++) {
            normed.add("blk." + l + ".attn_q.weight");
            normed.add("blk." + l + ".ffn_gate.weight");
        }
        LinearInputStats stats = new LinearInputStats(normed, false);
        Calibrator.run(model, calibration, stats);
        double[] score = new double[dim];
        for (int l = 0; l < c.layers(); l++)
            for (String t : new String[] {".attn_q.weight", ".ffn_gate.weight"}) {
                LinearInputStats.Sums s = stats.get("blk." + l + t);
                for (int j = 0; j < dim; j++) score[j] += s.abs[j] / s.tokens;
            }
        int[] kept = ModelEdit.top(score, keep);

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Tensor t : model.tensors().values()) tensors.put(t.name(), cut(t, kept, dim));
        ModelConfig out = c.withDim(keep);
        return new Result(ModelEdit.with(model, out, tensors), kept);
    }

    /** The tensor with the residual-stream dimension (columns or rows, whichever it has) cut to the kept channels. */
    private static Tensor cut(Tensor t, int[] kept, int dim) {
        String n = t.name();
        boolean norm = n.endsWith("_norm.weight");
        boolean writesStream = n.endsWith(".attn_output.weight") || n.endsWith(".ffn_down.weight");
        boolean readsStream = n.equals("token_embd.weight") || n.equals("output.weight") || n.endsWith(".attn_q.weight")
                || n.endsWith(".attn_k.weight") || n.endsWith(".attn_v.weight") || n.endsWith(".ffn_gate.weight") || n.endsWith(".ffn_up.weight");
        if (norm) {
            float[] all = ModelEdit.floats(t), out = new float[kept.length];
            for (int i = 0; i < kept.length; i++) out[i] = all[kept[i]];
            return ModelEdit.f32(n, out, 0, kept.length);
        }
        if (writesStream && t.rows() == dim) return ModelEdit.keepRows(t, kept);
        if (readsStream && t.cols() == dim) return ModelEdit.keepCols(t, kept);
        return t;
    }
}
