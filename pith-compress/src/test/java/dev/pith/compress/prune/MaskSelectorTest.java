package dev.pith.compress.prune;

import dev.pith.core.PithException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MaskSelectorTest {

    @Property(tries = 60)
    void nmMasksKeepExactlyNOfEveryM(@ForAll @IntRange(min = 1, max = 8) int m, @ForAll @IntRange(min = 0, max = 7) int nRaw,
                                     @ForAll @IntRange(min = 1, max = 5) int groups, @ForAll long seed) {
        int n = nRaw % m;
        int rows = 3, cols = groups * m;
        float[] score = random(rows * cols, seed);
        boolean[] mask = MaskSelector.select(score, rows, cols, Sparsity.pattern(n + ":" + m), true);
        for (int r = 0; r < rows; r++)
            for (int g = 0; g < cols; g += m) {
                int kept = 0;
                for (int k = 0; k < m; k++) if (!mask[r * cols + g + k]) kept++;
                assertThat(kept).isEqualTo(n);
                // the pruned ones are the smallest of the group
                for (int a = 0; a < m; a++)
                    for (int b = 0; b < m; b++)
                        if (mask[r * cols + g + a] && !mask[r * cols + g + b])
                            assertThat(score[r * cols + g + a]).isLessThanOrEqualTo(score[r * cols + g + b]);
            }
    }

    @Property(tries = 60)
    void unstructuredSparsityIsExact(@ForAll @IntRange(min = 0, max = 99) int percent, @ForAll @IntRange(min = 1, max = 40) int cols,
                                     @ForAll boolean perRow, @ForAll long seed) {
        int rows = 5;
        Sparsity s = Sparsity.unstructured(percent / 100.0);
        boolean[] mask = MaskSelector.select(random(rows * cols, seed), rows, cols, s, perRow);
        long pruned = 0;
        for (boolean b : mask) if (b) pruned++;
        long expected = perRow ? (long) rows * Math.round(s.fraction() * cols) : Math.round(s.fraction() * rows * cols);
        assertThat(pruned).isEqualTo(expected);
    }

    @Test
    void negativeScoresAndTiesOrderCorrectly() {
        float[] score = {3f, -1f, 0f, -0f, 2f, -5f};
        boolean[] mask = MaskSelector.select(score, 1, 6, Sparsity.unstructured(0.5), true);
        assertThat(mask).containsExactly(false, true, true, false, false, true);
    }

    @Test
    void badSparsityAndPatternsAreOneSentence() {
        assertThatThrownBy(() -> Sparsity.unstructured(1.0)).isInstanceOf(PithException.class).hasMessageContaining("[0, 1)");
        assertThatThrownBy(() -> Sparsity.unstructured(-0.1)).isInstanceOf(PithException.class);
        assertThatThrownBy(() -> Sparsity.pattern("4:4")).isInstanceOf(PithException.class);
        assertThatThrownBy(() -> Sparsity.pattern("two:four")).isInstanceOf(PithException.class);
        assertThatThrownBy(() -> Sparsity.pattern("2:4").checkRow("blk.0.ffn_down.weight", 6))
                .isInstanceOf(PithException.class).hasMessageContaining("blk.0.ffn_down.weight");
    }

    static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }
}
