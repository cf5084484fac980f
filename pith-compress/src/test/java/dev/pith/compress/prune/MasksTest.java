package dev.pith.compress.prune;

import dev.pith.core.PithException;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Masks of magnitude and Wanda: exact counts per row and per N:M group, and the right weights chosen. */
class MasksTest {
    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) r.nextGaussian();
        return w;
    }

    @Test
    void unstructuredSparsityIsExactPerRow() {
        int rows = 7, cols = 90;
        for (double s : new double[]{0.0, 0.1, 0.5, 0.73, 0.99}) {
            float[] w = random(rows * cols, 1);
            ScorePruner.prune(w, rows, cols, null, Pattern.unstructured(s));
            for (int r = 0; r < rows; r++) {
                int zeros = 0;
                for (int j = 0; j < cols; j++) if (w[r * cols + j] == 0) zeros++;
                assertThat(zeros).as("row %d at %s", r, s).isEqualTo((int) Math.round(s * cols));
            }
        }
    }

    @Test
    void nmMasksAreExact() {
        int rows = 5, cols = 64;
        for (String pat : new String[]{"2:4", "4:8", "1:4", "3:8"}) {
            Pattern p = Pattern.parse(pat);
            float[] w = random(rows * cols, 2);
            double[] sq = new double[cols];
            for (int j = 0; j < cols; j++) sq[j] = 1 + j;
            ScorePruner.prune(w, rows, cols, sq, p);
            for (int r = 0; r < rows; r++) {
                for (int g = 0; g < cols; g += p.m()) {
                    int nonZero = 0;
                    for (int j = g; j < g + p.m(); j++) if (w[r * cols + j] != 0) nonZero++;
                    assertThat(nonZero).as("%s row %d group %d", pat, r, g).isEqualTo(p.n());
                }
            }
        }
    }

    @Test
    void wandaRemovesTheSmallestWeightTimesInputNorm() {
        int rows = 4, cols = 40;
        float[] w = random(rows * cols, 3), orig = w.clone();
        double[] sq = new double[cols];
        Random r = new Random(4);
        for (int j = 0; j < cols; j++) sq[j] = Math.pow(10, 2 * r.nextDouble());
        ScorePruner.prune(w, rows, cols, sq, Pattern.unstructured(0.25));
        for (int row = 0; row < rows; row++) {
            double maxPruned = 0, minKept = Double.MAX_VALUE;
            for (int j = 0; j < cols; j++) {
                double score = Math.abs(orig[row * cols + j]) * Math.sqrt(sq[j]);
                if (w[row * cols + j] == 0) maxPruned = Math.max(maxPruned, score);
                else {
                    minKept = Math.min(minKept, score);
                    assertThat(w[row * cols + j]).isEqualTo(orig[row * cols + j]);
                }
            }
            assertThat(maxPruned).isLessThan(minKept);
        }
        // the input norms change the choice: plain magnitude picks differently on this data
        float[] m = orig.clone();
        ScorePruner.prune(m, rows, cols, null, Pattern.unstructured(0.25));
        assertThat(m).isNotEqualTo(w);
    }

    @Test
    void badPatternsAreRejected() {
        assertThatThrownBy(() -> Pattern.parse("4:2")).isInstanceOf(PithException.class).hasMessageContaining("0 < N <= M");
        assertThatThrownBy(() -> Pattern.parse("2-4")).isInstanceOf(PithException.class);
        assertThatThrownBy(() -> Pattern.unstructured(1.0)).isInstanceOf(PithException.class).hasMessageContaining("[0, 1)");
        assertThatThrownBy(() -> Pattern.unstructured(-0.1)).isInstanceOf(PithException.class);
        assertThatThrownBy(() -> Pattern.parse("2:4").checkRow("blk.0.ffn_down.weight", 6)).isInstanceOf(PithException.class).hasMessageContaining("does not divide");
    }
}
