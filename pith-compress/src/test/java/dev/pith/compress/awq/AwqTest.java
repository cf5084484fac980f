package dev.pith.compress.awq;

import dev.pith.compress.calib.CalibrationText;
import dev.pith.compress.calib.LinearInputStats;
import dev.pith.compress.prune.F32Model;
import dev.pith.core.DType;
import dev.pith.core.quant.Dequantizer;
import dev.pith.core.quant.Quantizer;
import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.runtime.RuntimeOptions;
import dev.pith.model.runtime.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * AWQ: folding the scales into the norms and preceding matrices leaves the model's function as it
 * was, and on a layer whose activations have loud channels the searched scales lower the output
 * error below round-to-nearest's, measured directly as ‖X(W − Ŵ)ᵀ‖² over the activations.
 */
class AwqTest {
    static Path shared(String p) { return Path.of(System.getProperty("pith.shared"), "data", p); }

    @Test
    void foldedScalesLeaveLogitsUnchanged() {
        try (Model src = Models.load(shared("models/stories260K-f32.gguf")); Model f32 = F32Model.copy(src)) {
            assertThat(src.config().heads()).as("stories260K uses grouped-query attention, so the tied value scales are exercised")
                    .isGreaterThan(src.config().kvHeads());
            List<int[]> chunks = CalibrationText.chunks(f32, shared("text/tinystories-sample.txt"), 64, 4);
            LinearInputStats stats = new LinearInputStats(Awq.observedWeights(f32.config()), true);
            CalibrationText.run(f32, chunks, stats, i -> {});
            // Q4_0 targets for every matrix so the search picks non-trivial scales
            Map<String, DType> targets = new HashMap<>();
            for (var t : f32.tensors().values()) if (t.rows() > 1) targets.put(t.name(), DType.Q4_0);
            List<Awq.Group> groups = Awq.apply(f32, targets, stats, new ScaleSearch(20));
            assertThat(groups).anySatisfy(g -> assertThat(g.alpha()).isGreaterThan(0));
            int[] prompt = src.tokenizer().encode("Once upon a time there was a little girl named Lily.", true, false);
            float[] before = new Transformer(src, RuntimeOptions.defaults().withContextLength(64)).forwardAll(prompt);
            float[] after = new Transformer(f32, RuntimeOptions.defaults().withContextLength(64)).forwardAll(prompt);
            double max = 0, scale = 0;
            for (int i = 0; i < before.length; i++) {
                max = Math.max(max, Math.abs(before[i] - after[i]));
                scale = Math.max(scale, Math.abs(before[i]));
            }
            System.out.printf("AWQ folding: max |logit difference| = %.3g over %d logits (largest |logit| %.3g)%n", max, before.length, scale);
            // Folding is exact in real numbers; in float every folded weight and norm gain is rounded
            // once more, and the prompt's products sum in the GEMM's order: differences of a few ulps
            // of the largest logit (here ~1e-5 absolute), far from what quantization moves (~1e-1).
            assertThat(max).isLessThanOrEqualTo(1e-6 * Math.max(1, scale) * 4);
        }
    }

    static final int ROWS = 32, COLS = 256, SAMPLES = 512;

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q4_0", "Q3_K", "Q4_K", "Q2_K"})
    void beatsRoundToNearestOnLoudChannels(DType type) {
        SplittableRandom rng = new SplittableRandom(type.ordinal());
        float[] w = new float[ROWS * COLS];
        for (int i = 0; i < w.length; i++) w[i] = (float) (rng.nextGaussian() * 0.05);
        float[] x = new float[SAMPLES * COLS];
        for (int c = 0; c < COLS; c++) {
            double loud = c % 29 == 0 ? 20 : Math.exp(rng.nextGaussian() * 0.3); // a few outlier channels
            for (int s = 0; s < SAMPLES; s++) x[s * COLS + c] = (float) (rng.nextGaussian() * loud);
        }
        LinearInputStats stats = new LinearInputStats(java.util.Set.of("m"), true);
        stats.linearInput("m", x, SAMPLES, COLS);
        LinearInputStats.Sums s = stats.get("m");
        double[] mean = new double[COLS];
        for (int j = 0; j < COLS; j++) mean[j] = s.abs[j] / s.tokens;
        ScaleSearch.Result r = new ScaleSearch(20).search(List.of(new ScaleSearch.Member(w, ROWS, type)), mean, LinearInputStats.symmetricGram(s));

        float[] rtn = roundTrip(w, type);
        float[] scaled = w.clone();
        for (int i = 0; i < scaled.length; i++) scaled[i] *= r.scales()[i % COLS];
        float[] awq = roundTrip(scaled, type);
        for (int i = 0; i < awq.length; i++) awq[i] /= r.scales()[i % COLS];
        double eR = outputError(w, rtn, x), eA = outputError(w, awq, x);
        System.out.printf("AWQ %s: alpha %.2f, output error %.4g vs RTN %.4g (%.1f%%)%n", type, r.alpha(), eA, eR, 100 * eA / eR);
        assertThat(r.alpha()).isGreaterThan(0);
        assertThat(eA).isLessThan(eR);
        assertThat(eA / eR).as("the search's own measure agrees with the explicit sum").isCloseTo(r.error() / r.rtnError(), org.assertj.core.data.Offset.offset(1e-6));
    }

    static float[] roundTrip(float[] w, DType type) {
        float[] back = new float[w.length];
        Dequantizer.dequantize(type, MemorySegment.ofArray(Quantizer.quantize(type, w, w.length)), 0, back, 0, back.length);
        return back;
    }

    static double outputError(float[] w, float[] q, float[] x) {
        return outputError(w, q, x, ROWS, COLS, SAMPLES);
    }

    /** ‖X(W − Ŵ)ᵀ‖² for rows × cols weights and samples × cols activations. */
    static double outputError(float[] w, float[] q, float[] x, int rows, int cols, int samples) {
        double sum = 0;
        for (int s = 0; s < samples; s++) {
            for (int r = 0; r < rows; r++) {
                double d = 0;
                for (int c = 0; c < cols; c++) d += (double) x[s * cols + c] * (w[r * cols + c] - q[r * cols + c]);
                sum += d * d;
            }
        }
        return sum;
    }
}
