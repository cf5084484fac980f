package dev.pith.compress.gptq;

import dev.pith.core.DType;
import dev.pith.core.quant.BlockGrid;
import dev.pith.core.quant.Dequantizer;
import dev.pith.core.quant.Quantizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scale refit: for fixed codes its half-precision scales are the H-weighted least-squares
 * optimum (checked against a float64 reference that builds the design matrix explicitly and solves
 * by Gaussian elimination), it never raises the output error beyond fp16 rounding, and GPTQ with
 * refit rounds is never worse than without and still packs exactly what it reports.
 */
class ScaleRefitTest {
    static final int COLS = 256, ROWS = 12, SAMPLES = 600;

    @ParameterizedTest
    @CsvSource({"Q4_0", "Q5_0", "Q8_0", "Q4_1", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void refitMatchesFloat64LeastSquaresAndLowersTheError(DType type) {
        SplittableRandom rng = new SplittableRandom(type.ordinal() * 17L + 3);
        double[] h = hessian(rng);
        int bs = type.blockSize(), bb = type.blockBytes(), nb = COLS / bs;
        int[] f = ScaleRefit.fields(type);
        for (int r = 0; r < 3; r++) {
            float[] w = new float[COLS];
            for (int i = 0; i < COLS; i++) w[i] = (float) (rng.nextGaussian() * 0.05);
            byte[] row = Quantizer.quantize(type, w, COLS);
            int[] codes = new int[COLS];
            for (int c = 0; c < COLS; c++) codes[c] = BlockGrid.nearest(type, row, (c / bs) * bb, c % bs, w[c]);
            float[] before = values(type, row, codes);
            byte[] fit = ScaleRefit.refit(type, row, codes, w, 0, h, COLS);
            assertThat(fit).isNotNull();

            double[] ref = reference(type, row, codes, w, h);
            for (int b = 0; b < nb; b++) {
                for (int k = 0; k < f.length; k++) {
                    float got = half(fit, b * bb + f[k]);
                    float want = Float.float16ToFloat(Float.floatToFloat16((float) ref[b * f.length + k]));
                    // equal up to one half-precision step (the two solves round differently)
                    assertThat((double) got).as("%s block %d field %d", type, b, k).isCloseTo(want, org.assertj.core.data.Offset.offset(Math.ulp(want) * 8192 + 1e-12));
                }
            }
            double e0 = ScaleRefit.error(w, 0, before, 0, h, COLS), e1 = ScaleRefit.error(w, 0, values(type, fit, codes), 0, h, COLS);
            assertThat(e1).as("%s output error after refit", type).isLessThanOrEqualTo(e0 * 1.001);
            // the sub-block scales and codes are untouched: only the named fields differ
            for (int i = 0; i < row.length; i++) {
                int inBlock = i % bb;
                boolean field = false;
                for (int off : f) field |= inBlock == off || inBlock == off + 1;
                if (!field) assertThat(fit[i]).isEqualTo(row[i]);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"Q4_0,false", "Q4_0,true", "Q4_K,false", "Q3_K,true", "Q4_1,false"})
    void gptqWithRefitIsNoWorseAndPacksExactly(DType type, boolean actOrder) {
        SplittableRandom rng = new SplittableRandom(type.ordinal() * 7L + (actOrder ? 1 : 0));
        float[] w = new float[ROWS * COLS];
        for (int i = 0; i < w.length; i++) w[i] = (float) (rng.nextGaussian() * 0.05);
        double[] h = hessian(rng);
        Gptq.Result plain = new Gptq(0.01, actOrder, true, 0).quantize(w, ROWS, COLS, h, type);
        Gptq.Result refit = new Gptq(0.01, actOrder, true, 2).quantize(w, ROWS, COLS, h, type);
        float[] back = new float[ROWS * COLS];
        Dequantizer.dequantize(type, MemorySegment.ofArray(refit.bytes()), 0, back, 0, back.length);
        assertThat(back).containsExactly(refit.values());
        for (int r = 0; r < ROWS; r++) {
            double e0 = ScaleRefit.error(w, r * COLS, plain.values(), r * COLS, h, COLS);
            double e1 = ScaleRefit.error(w, r * COLS, refit.values(), r * COLS, h, COLS);
            assertThat(e1).as("row %d", r).isLessThanOrEqualTo(e0);
        }
    }

    @Test
    void aBlockOfZeroCodesGivesNoRefit() {
        double[] h = hessian(new SplittableRandom(1));
        float[] w = new float[COLS];
        byte[] row = Quantizer.quantize(DType.Q8_0, w, COLS);
        assertThat(ScaleRefit.refit(DType.Q8_0, row, new int[COLS], w, 0, h, COLS)).isNull();
    }

    /** H = 2XᵀX/n of correlated activations with a few loud channels (GptqTest's generator). */
    static double[] hessian(SplittableRandom rng) {
        float[] x = GptqTest.activations(rng);
        HessianCollector c = new HessianCollector();
        c.linearInput("m", x, SAMPLES, COLS);
        return c.hessians().get("m").h();
    }

    static float[] values(DType t, byte[] row, int[] codes) {
        int bs = t.blockSize(), bb = t.blockBytes();
        float[] v = new float[COLS];
        for (int c = 0; c < COLS; c++) v[c] = BlockGrid.value(t, row, (c / bs) * bb, c % bs, codes[c]);
        return v;
    }

    static float half(byte[] y, int off) {
        return Float.float16ToFloat((short) ((y[off] & 0xFF) | (y[off + 1] << 8)));
    }

    /** Float64 reference: explicit design matrix A (value per unit of each scale field), normal equations, Gaussian elimination. */
    static double[] reference(DType t, byte[] row, int[] codes, float[] w, double[] h) {
        int bs = t.blockSize(), bb = t.blockBytes(), nb = COLS / bs;
        int[] f = ScaleRefit.fields(t);
        int p = nb * f.length;
        double[][] a = new double[COLS][p];
        for (int b = 0; b < nb; b++) {
            for (int k = 0; k < f.length; k++) {
                byte[] probe = java.util.Arrays.copyOfRange(row, b * bb, (b + 1) * bb);
                for (int g = 0; g < f.length; g++) {
                    short s = Float.floatToFloat16(g == k ? 1f : 0f);
                    probe[f[g]] = (byte) s;
                    probe[f[g] + 1] = (byte) (s >>> 8);
                }
                for (int i = 0; i < bs; i++) a[b * bs + i][b * f.length + k] = BlockGrid.value(t, probe, 0, i, codes[b * bs + i]);
            }
        }
        double[][] m = new double[p][p + 1];
        for (int c = 0; c < p; c++) {
            for (int d = 0; d < p; d++) {
                double s = 0;
                for (int i = 0; i < COLS; i++) for (int j = 0; j < COLS; j++) s += a[i][c] * h[i * COLS + j] * a[j][d];
                m[c][d] = s;
            }
            double s = 0;
            for (int i = 0; i < COLS; i++) for (int j = 0; j < COLS; j++) s += a[i][c] * h[i * COLS + j] * w[j];
            m[c][p] = s;
        }
        for (int c = 0; c < p; c++) {
            int piv = c;
            for (int r = c + 1; r < p; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
            double[] tmp = m[c]; m[c] = m[piv]; m[piv] = tmp;
            for (int r = 0; r < p; r++) {
                if (r == c) continue;
                double q = m[r][c] / m[c][c];
                for (int k = c; k <= p; k++) m[r][k] -= q * m[c][k];
            }
        }
        double[] x = new double[p];
        for (int c = 0; c < p; c++) x[c] = m[c][p] / m[c][c];
        return x;
    }
}
