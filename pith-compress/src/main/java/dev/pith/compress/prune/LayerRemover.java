package dev.pith.compress.prune;

import dev.pith.compress.calib.BlockInfluence;
import dev.pith.compress.calib.Calibrator;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** Depth pruning: removes the K blocks of lowest Block Influence and renumbers the rest. */
public final class LayerRemover {
    private LayerRemover() {}

    public record Result(Model model, double[] influence, List<Integer> removed) {}

    public static void check(Model m, int k) {
        int layers = m.config().layers();
        if (k < 0 || k >= layers)
            throw new PithException(m.source() + " has " + layers + " layers; --remove must be from 0 to " + (layers - 1) + ", not " + k + ".");
    }

    public static Result remove(Model m, int k, int[][] calibration) {
        check(m, k);
        int layers = m.config().layers();
        BlockInfluence bi = new BlockInfluence(layers);
        if (k > 0) Calibrator.run(m, calibration, bi);
        double[] score = k > 0 ? bi.scores() : new double[layers];
        List<Integer> removed = IntStream.range(0, layers).boxed()
                .sorted(Comparator.<Integer>comparingDouble(l -> score[l]).thenComparing(l -> l)).limit(k).sorted().toList();
        Map<String, Tensor> out = new LinkedHashMap<>();
        List<Integer> kept = new ArrayList<>();
        for (int l = 0; l < layers; l++) if (!removed.contains(l)) kept.add(l);
        for (Tensor t : m.tensors().values()) {
            String name = t.name();
            if (!name.startsWith("blk.")) {
                out.put(name, t);
                continue;
            }
            int dot = name.indexOf('.', 4);
            int layer = Integer.parseInt(name.substring(4, dot));
            int to = kept.indexOf(layer);
            if (to >= 0) {
                String renamed = "blk." + to + name.substring(dot);
                out.put(renamed, t.renamed(renamed));
            }
        }
        ModelConfig c = m.config();
        ModelConfig nc = c.withBlocks(kept);
        return new Result(new Model(nc, out, m.tokenizer(), F32Model.withConfig(m.metadata(), nc), m.source(), List.of()), score, removed);
    }
}
