package dev.pith.compress.prune;

import dev.pith.compress.calib.CalibrationText;
import dev.pith.model.Model;
import dev.pith.model.Models;

import java.nio.file.Path;

/** The real pretrained stories260K model and a little TinyStories calibration text, from the shared data. */
final class PruneFixtures {
    private PruneFixtures() {}

    static Path shared(String rel) { return Path.of(System.getProperty("pith.shared")).resolve("data").resolve(rel); }

    static Model stories260k() { return Models.load(shared("models/stories260K-f32.gguf")); }

    static int[][] calibration(Model m, int seqs, int len) {
        return CalibrationText.sequences(shared("text/tinystories-sample.txt"), m.tokenizer(), seqs, len);
    }

    /** The model runs a short prompt to finite logits. */
    static void assertFinite(Model m) {
        float[] logits = new dev.pith.model.runtime.Transformer(m).forward(new int[] {1, 300, 301, 302});
        for (float v : logits) org.assertj.core.api.Assertions.assertThat(Float.isFinite(v)).isTrue();
    }
}
