package dev.pith.compress.prune;

import dev.pith.compress.calib.BlockInfluence;
import dev.pith.compress.calib.Calibration;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Depth pruning (ShortGPT, Men et al., 2024): score every block by its Block Influence on calibration
 * text, remove the {@code k} least influential, and renumber the rest so blk.0 .. blk.(L−k−1) stay
 * contiguous. Every remaining tensor is kept byte for byte (quantized ones too).
 */
public final class DepthPruner {
    private DepthPruner() {}

    /** The smaller model, each original block's influence, and the blocks removed (original numbers, ascending). */
    public record Result(Model model, double[] influence, int[] removed) {}

    public static Result prune(Model model, int k, int[][] calibration) {
        int layers = model.config().layers();
        if (k < 1 || k >= layers)
            throw new PithException("--remove must be between 1 and " + (layers - 1) + " for " + model.source()
                    + ", which has " + layers + " layers; got " + k + ".");
        BlockInfluence bi = new BlockInfluence(layers);
        Calibration.run(model, calibration, bi, null);
        double[] score = bi.scores();
        Integer[] order = new Integer[layers];
        for (int l = 0; l < layers; l++) order[l] = l;
        Arrays.sort(order, (a, b) -> Double.compare(score[a], score[b]));
        int[] removed = new int[k];
        for (int i = 0; i < k; i++) removed[i] = order[i];
        Arrays.sort(removed);
        return new Result(remove(model, removed), score, removed);
    }

    /** The model without these blocks, the rest renumbered in order. */
    public static Model remove(Model model, int[] removed) {
        int layers = model.config().layers();
        boolean[] gone = new boolean[layers];
        for (int l : removed) gone[l] = true;
        int[] newIndex = new int[layers];
        int next = 0;
        for (int l = 0; l < layers; l++) newIndex[l] = gone[l] ? -1 : next++;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Tensor t : model.tensors().values()) {
            int l = blockOf(t.name());
            if (l < 0) tensors.put(t.name(), t);
            else if (!gone[l]) {
                String name = "blk." + newIndex[l] + t.name().substring(("blk." + l).length());
                tensors.put(name, t.renamed(name));
            }
        }
        return ModelEdit.with(model, ModelEdit.withLayersAndFfn(model.config(), next, model.config().ffnDim()), tensors);
    }

    /** N of a "blk.N.…" name, or −1. */
    static int blockOf(String name) {
        if (!name.startsWith("blk.")) return -1;
        int dot = name.indexOf('.', 4);
        return dot < 0 ? -1 : Integer.parseInt(name.substring(4, dot));
    }
}
