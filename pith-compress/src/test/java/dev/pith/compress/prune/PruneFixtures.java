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
        return CalibrationText.sequences(m.tokenizer(), shared("text/tinystories-sample.txt"), seqs, len);
    }

    static long zeros(float[] w) {
        long z = 0;
        for (float v : w) if (v == 0) z++;
        return z;
    }
}
