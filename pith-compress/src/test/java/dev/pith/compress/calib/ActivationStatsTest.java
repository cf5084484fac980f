package dev.pith.compress.calib;

import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.runtime.ActivationObserver;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/** The calibration statistics against sums written out over inputs recorded from a real forward pass. */
class ActivationStatsTest {
    @Test
    void columnStatsAndHessiansEqualExplicitSumsOverTheRecordedInputs() {
        try (Model m = Models.load(Path.of(System.getProperty("pith.shared"), "data/models/stories260K-f32.gguf"))) {
            int[][] seqs = CalibrationText.sequences(m.tokenizer(), Path.of(System.getProperty("pith.shared"), "data/text/tinystories-sample.txt"), 2, 24);
            String q = "blk.1.attn_q.weight", k = "blk.1.attn_k.weight", down = "blk.2.ffn_down.weight";
            List<float[]> qRows = new ArrayList<>(), kRows = new ArrayList<>(), downRows = new ArrayList<>();
            ActivationObserver recorder = new ActivationObserver() {
                @Override
                public void linearInput(String weight, float[] x, int n, int cols) {
                    List<float[]> into = weight.equals(q) ? qRows : weight.equals(k) ? kRows : weight.equals(down) ? downRows : null;
                    if (into != null) for (int t = 0; t < n; t++) into.add(java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols));
                }
            };
            ColumnStats stats = new ColumnStats(n -> n.equals(down));
            Hessians h = new Hessians(n -> n.equals(q) || n.equals(k), Hessians::llamaSharedInput);
            Calibration.run(m, seqs, recorder, null);
            Calibration.run(m, seqs, stats, null);
            Calibration.run(m, seqs, h, null);

            assertThat(downRows).hasSize(48);
            int f = downRows.get(0).length;
            double[] norms = stats.norms(down), mean = stats.meanAbs(down);
            for (int j = 0; j < f; j++) {
                double sq = 0, ab = 0;
                for (float[] r : downRows) { sq += (double) r[j] * r[j]; ab += Math.abs(r[j]); }
                assertThat(norms[j]).isCloseTo(Math.sqrt(sq), offset(1e-9 + 1e-9 * Math.sqrt(sq)));
                assertThat(mean[j]).isCloseTo(ab / 48, offset(1e-12 + 1e-9 * ab));
            }
            // k reads q's input, so both get the one matrix, equal to Σ xᵀx over k's own recorded inputs
            assertThat(h.get(k)).isSameAs(h.get(q));
            assertThat(h.tokens(q)).isEqualTo(48);
            int d = kRows.get(0).length;
            double[] xtx = h.get(k);
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) {
                    double s = 0;
                    for (float[] r : kRows) s += (double) r[i] * r[j];
                    assertThat(xtx[i * d + j]).isCloseTo(s, offset(1e-9 + 1e-9 * Math.abs(s)));
                }
        }
    }
}
