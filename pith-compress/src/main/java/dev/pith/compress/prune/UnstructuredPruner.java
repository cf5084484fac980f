package dev.pith.compress.prune;

import dev.pith.compress.calib.Calibrator;
import dev.pith.compress.calib.LinearInputStats;
import dev.pith.core.Tensor;
import dev.pith.model.Model;

import java.util.HashSet;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Prunes the projection matrices block by block. Before each block the calibration sequences run
 * again through the model as pruned so far, so a block's statistics come from the activations it
 * will really see (the sequential scheme of SparseGPT and Wanda); all seven matrices of a block
 * use that one pass, as in the papers' code.
 */
public final class UnstructuredPruner {
    private UnstructuredPruner() {}

    /** A clear error when an N:M pattern does not divide the rows of every projection matrix. */
    public static void checkShapes(Model m, Pattern p) {
        for (int l = 0; l < m.config().layers(); l++) for (String name : BlockMatrices.names(l)) p.checkRow(name, m.tensor(name).cols());
    }

    /** Prunes {@code m} (an {@link F32Model} copy) in place. */
    public static void prune(Model m, Method method, Pattern p, int[][] calibration, IntConsumer onLayer) {
        checkShapes(m, p);
        int layers = m.config().layers();
        for (int l = 0; l < layers; l++) {
            List<String> names = BlockMatrices.names(l);
            LinearInputStats stats = null;
            if (method.needsCalibration()) {
                stats = new LinearInputStats(new HashSet<>(names), method == Method.SPARSEGPT);
                Calibrator.run(m, calibration, stats);
            }
            for (String name : names) {
                Tensor t = m.tensor(name);
                float[] w = F32Model.read(t);
                switch (method) {
                    case MAGNITUDE -> ScorePruner.prune(w, t.rows(), t.cols(), null, p);
                    case WANDA -> ScorePruner.prune(w, t.rows(), t.cols(), stats.get(name).squares, p);
                    case SPARSEGPT -> SparseGpt.prune(w, t.rows(), t.cols(), LinearInputStats.symmetricGram(stats.get(name)), p, name);
                }
                F32Model.write(t, w);
            }
            onLayer.accept(l + 1);
        }
    }
}
