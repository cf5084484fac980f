package dev.pith.compress.gptq;

import dev.pith.core.DType;
import dev.pith.core.quant.Dequantizer;
import dev.pith.core.quant.Quantizer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GPTQ on small matrices with correlated, uneven activations (as real ones are): its output error
 * ‖XWᵀ − XŴᵀ‖ is no larger than round-to-nearest's for every type, with and without act-order,
 * and the packed ggml rows dequantize to exactly the values GPTQ chose.
 */
class GptqTest {
    static final int ROWS = 24, COLS = 256, SAMPLES = 600;

    @ParameterizedTest
    @CsvSource({"Q8_0,false", "Q4_0,false", "Q4_1,false", "Q5_0,false", "Q5_1,false", "Q2_K,false", "Q3_K,false", "Q4_K,false",
            "Q5_K,false", "Q6_K,false", "Q4_0,true", "Q3_K,true", "Q4_K,true"})
    void beatsRoundToNearestAndPacksExactly(DType type, boolean actOrder) {
        SplittableRandom rng = new SplittableRandom(type.ordinal() * 31L + (actOrder ? 1 : 0));
        float[] w = new float[ROWS * COLS];
        for (int i = 0; i < w.length; i++) w[i] = (float) (rng.nextGaussian() * 0.05);
        float[] x = activations(rng);
        HessianCollector c = new HessianCollector();
        c.linearInput("m", x, SAMPLES, COLS);
        Hessian h = c.hessians().get("m");

        Gptq.Result g = new Gptq(0.01, actOrder).quantize(w, ROWS, COLS, h.h(), type);
        float[] back = new float[ROWS * COLS];
        Dequantizer.dequantize(type, MemorySegment.ofArray(g.bytes()), 0, back, 0, back.length);
        assertThat(back).as("packed rows dequantize to GPTQ's values").containsExactly(g.values());

        float[] rtn = new float[ROWS * COLS];
        byte[] rb = Quantizer.quantize(type, w, w.length);
        Dequantizer.dequantize(type, MemorySegment.ofArray(rb), 0, rtn, 0, rtn.length);
        double eG = outputError(w, back, x), eR = outputError(w, rtn, x);
        System.out.printf("GPTQ %s act-order=%s: output error %.4g vs RTN %.4g (%.1f%%)%n", type, actOrder, eG, eR, 100 * eG / eR);
        assertThat(eG).isLessThanOrEqualTo(eR);
    }

    /** Samples × COLS activations: mixed latent factors (correlated columns) with a few loud channels. */
    static float[] activations(SplittableRandom rng) {
        int k = 32;
        double[] mix = new double[k * COLS];
        for (int i = 0; i < mix.length; i++) mix[i] = rng.nextGaussian();
        double[] loud = new double[COLS];
        for (int c = 0; c < COLS; c++) loud[c] = c % 37 == 0 ? 8 : Math.exp(rng.nextGaussian() * 0.5);
        float[] x = new float[SAMPLES * COLS];
        double[] z = new double[k];
        for (int s = 0; s < SAMPLES; s++) {
            for (int j = 0; j < k; j++) z[j] = rng.nextGaussian();
            for (int c = 0; c < COLS; c++) {
                double v = 0.3 * rng.nextGaussian();
                for (int j = 0; j < k; j++) v += z[j] * mix[j * COLS + c] / Math.sqrt(k);
                x[s * COLS + c] = (float) (v * loud[c]);
            }
        }
        return x;
    }

    /** ‖X(W − Ŵ)ᵀ‖² over the samples. */
    static double outputError(float[] w, float[] q, float[] x) {
        double sum = 0;
        for (int s = 0; s < SAMPLES; s++) {
            for (int r = 0; r < ROWS; r++) {
                double d = 0;
                for (int c = 0; c < COLS; c++) d += (double) x[s * COLS + c] * (w[r * COLS + c] - q[r * COLS + c]);
                sum += d * d;
            }
        }
        return sum;
    }

    /** Σ_rows δᵀHδ with δ = W − Ŵ (rows × cols): the layer's output error as GPTQ measures it. */
    static double quadratic(float[] w, float[] q, double[] h, int rows, int cols) {
        double s = 0;
        double[] d = new double[cols];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) d[j] = (double) w[r * cols + j] - q[r * cols + j];
            for (int i = 0; i < cols; i++) {
                double gi = 0;
                for (int j = 0; j < cols; j++) gi += h[i * cols + j] * d[j];
                s += d[i] * gi;
            }
        }
        return s;
    }
}
