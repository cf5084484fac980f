package dev.pith.compress.awq;

import dev.pith.compress.calib.LinearInputStats;
import dev.pith.core.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/**
 * AWQ's clipping on a constructed layer: every block holds one large weight on a quiet input
 * channel, which sets the block's scale under round-to-nearest and wastes the grid on the loud
 * channels. Clipping it must lower the layer's output error ‖X(W − Ŵ)ᵀ‖², measured directly over
 * the activations, and the clipped matrix rounded to nearest must be exactly what the search scored.
 */
class ClipSearchTest {
    static final int ROWS = 16, COLS = 256, SAMPLES = 400;

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q4_0", "Q4_1", "Q3_K", "Q4_K", "Q2_K"})
    void clippingAQuietOutlierLowersTheOutputError(DType type) {
        SplittableRandom rng = new SplittableRandom(type.ordinal() + 3);
        float[] w = new float[ROWS * COLS];
        for (int i = 0; i < w.length; i++) w[i] = (float) (rng.nextGaussian() * 0.05);
        for (int r = 0; r < ROWS; r++) for (int c = 5; c < COLS; c += 32) w[r * COLS + c] = (rng.nextBoolean() ? 1 : -1) * 0.6f;
        float[] x = new float[SAMPLES * COLS];
        for (int s = 0; s < SAMPLES; s++) {
            for (int c = 0; c < COLS; c++) x[s * COLS + c] = (float) (rng.nextGaussian() * (c % 32 == 5 ? 0.01 : 1.0));
        }
        LinearInputStats stats = new LinearInputStats(Set.of("m"), true);
        stats.linearInput("m", x, SAMPLES, COLS);
        double[] gram = LinearInputStats.symmetricGram(stats.get("m"));

        float[] clipped = w.clone();
        ClipSearch.Result r = new ClipSearch(20, 0.5).clip(clipped, ROWS, COLS, type, gram);
        double eRtn = AwqTest.outputError(w, AwqTest.roundTrip(w, type), x, ROWS, COLS, SAMPLES);
        double eClip = AwqTest.outputError(w, AwqTest.roundTrip(clipped, type), x, ROWS, COLS, SAMPLES);
        System.out.printf("AWQ clip %s: output error %.4g vs RTN %.4g (%.1f%%)%n", type, eClip, eRtn, 100 * eClip / eRtn);
        assertThat(eClip).isLessThan(0.9 * eRtn);
        // the search scores each block with its own part of XᵀX; the cross-block terms of these
        // independent channels are small, so its ratio is close to the explicit one, not equal
        assertThat(r.error()).isLessThan(r.unclippedError());
        assertThat(eClip / eRtn).as("the search's own measure agrees with the explicit sum").isCloseTo(r.error() / r.unclippedError(), offset(0.05));
        for (int i = 0; i < w.length; i++) assertThat(Math.abs(clipped[i])).isLessThanOrEqualTo(Math.abs(w[i]));
    }
}
