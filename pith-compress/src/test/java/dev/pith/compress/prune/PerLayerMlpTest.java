package dev.pith.compress.prune;

import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.ModelWriters;
import dev.pith.model.Models;
import dev.pith.model.runtime.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Per-layer MLP widths on stories260K: the same number of neurons leaves as with uniform widths, the
 * blocks end up with different widths, the runtime runs the result exactly as the dense model with
 * those neurons' ffn_down columns zeroed, and the widths survive a GGUF round trip (as an array).
 */
class PerLayerMlpTest {
    @TempDir Path dir;

    @Test
    void perLayerWidthsRunAsTheDenseModelWithTheRemovedNeuronsSilenced() {
        try (Model m = PruneFixtures.stories260k(); Arena arena = Arena.ofShared()) {
            var c = m.config();
            MlpWidthPruner.Result r = MlpWidthPruner.prune(m, 0.25, PruneFixtures.calibration(m, 4, 32), arena, true);
            int keepUniform = MlpWidthPruner.keptWidth(m, 0.25);
            assertThat(Arrays.stream(r.ffnAfter()).sum()).isEqualTo(keepUniform * c.layers());
            assertThat(Arrays.stream(r.ffnAfter()).distinct().count()).as("widths %s", Arrays.toString(r.ffnAfter())).isGreaterThan(1);
            for (int l = 0; l < c.layers(); l++) {
                assertThat(r.model().config().ffnDim(l)).isEqualTo(r.ffnAfter()[l]);
                assertThat(r.model().tensor("blk." + l + ".ffn_down.weight").cols()).isEqualTo(r.ffnAfter()[l]);
            }
            Map<String, Tensor> zeroed = new LinkedHashMap<>(m.tensors());
            for (int l = 0; l < c.layers(); l++) {
                String name = "blk." + l + ".ffn_down.weight";
                Tensor d = m.tensor(name);
                float[] w = ModelEdit.floats(d);
                for (int row = 0; row < d.rows(); row++)
                    for (int j = 0; j < d.cols(); j++) if (r.dropped()[l][j]) w[row * d.cols() + j] = 0;
                zeroed.put(name, ModelEdit.f32(name, w, d.rows(), d.cols()));
            }
            int[] prompt = {1, 400, 37, 90, 211, 17, 5};
            float[] pruned = new Transformer(r.model()).forwardAll(prompt);
            float[] silenced = new Transformer(ModelEdit.with(m, c, zeroed)).forwardAll(prompt);
            for (int i = 0; i < pruned.length; i++) assertThat(pruned[i]).as("logit %d", i).isCloseTo(silenced[i], within(1e-4f));

            Path file = dir.resolve("per-layer.gguf");
            ModelWriters.write(r.model(), file);
            try (Model back = Models.load(file)) {
                assertThat(back.config().ffnDims()).containsExactlyElementsOf(Arrays.stream(r.ffnAfter()).boxed().toList());
                assertThat(back.config().ffnDim()).isEqualTo(Arrays.stream(r.ffnAfter()).max().orElseThrow());
                float[] again = new Transformer(back).forwardAll(prompt);
                assertThat(again).containsExactly(pruned);
            }
        }
    }

    @Test
    void uniformPruningKeepsOneWidthAndAScalarInTheFile() {
        try (Model m = PruneFixtures.stories260k(); Arena arena = Arena.ofShared()) {
            MlpWidthPruner.Result r = MlpWidthPruner.prune(m, 0.25, PruneFixtures.calibration(m, 4, 32), arena, false);
            assertThat(r.model().config().ffnDims()).isNull();
            assertThat(r.model().config().ffnDim()).isEqualTo(MlpWidthPruner.keptWidth(m, 0.25));
        }
    }

    /** Depth, head and embedding pruning of a per-layer-width model keep each surviving block's own width. */
    @Test
    void laterStructuredPruningKeepsPerLayerWidths() {
        try (Model m = PruneFixtures.stories260k(); Arena arena = Arena.ofShared()) {
            MlpWidthPruner.Result r = MlpWidthPruner.prune(m, 0.25, PruneFixtures.calibration(m, 4, 32), arena, true);
            Model perLayer = r.model();
            int[][] calib = PruneFixtures.calibration(perLayer, 4, 32);
            int[] prompt = {1, 400, 37, 90, 211};

            LayerRemover.Result depth = LayerRemover.remove(perLayer, 1, calib);
            var kept = new java.util.ArrayList<Integer>();
            for (int l = 0; l < perLayer.config().layers(); l++) if (!depth.removed().contains(l)) kept.add(r.ffnAfter()[l]);
            assertThat(depth.model().config().ffnDims()).containsExactlyElementsOf(kept);
            assertFinite(new Transformer(depth.model()).forward(prompt));

            for (Model edited : new Model[] {HeadPruner.prune(perLayer, 0.25, calib).model(), EmbeddingPruner.prune(perLayer, 0.25, calib).model()}) {
                assertThat(edited.config().ffnDims()).containsExactlyElementsOf(Arrays.stream(r.ffnAfter()).boxed().toList());
                assertFinite(new Transformer(edited).forward(prompt));
            }
        }
    }

    private static void assertFinite(float[] logits) {
        for (int i = 0; i < logits.length; i++) assertThat(Float.isFinite(logits[i])).as("logit %d = %s", i, logits[i]).isTrue();
    }
}
