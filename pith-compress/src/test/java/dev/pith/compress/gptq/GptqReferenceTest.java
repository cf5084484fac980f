package dev.pith.compress.gptq;

import dev.pith.core.DType;
import dev.pith.core.quant.BlockGrid;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GPTQ against a direct float64 reference: the optimal-brain-quantizer recursion written the
 * textbook way, with the full inverse Hessian updated after every column
 * (H⁻¹ ← H⁻¹ − H⁻¹[:,k]·H⁻¹[k,:]/H⁻¹[k,k]) instead of Pith's Cholesky factor and lazy batches.
 * Both pick block scales the same way at each block's first column, so they must choose the same
 * values (a rare tie broken differently by float rounding may flip one code) and reach the same
 * output error.
 */
class GptqReferenceTest {
    @ParameterizedTest
    @CsvSource({"Q4_0,64,false", "Q4_0,64,true", "Q3_K,256,false", "Q3_K,256,true", "Q4_K,256,true", "Q2_K,256,true"})
    void matchesTheTextbookRecursion(DType type, int cols, boolean weighted) {
        int rows = 6, samples = 400;
        SplittableRandom rng = new SplittableRandom(cols * 7L + type.ordinal());
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) (rng.nextGaussian() * 0.05);
        float[] x = new float[samples * cols];
        double[] loud = new double[cols];
        for (int c = 0; c < cols; c++) loud[c] = Math.exp(rng.nextGaussian() * 0.7);
        for (int s = 0; s < samples; s++) {
            double shared = rng.nextGaussian();
            for (int c = 0; c < cols; c++) x[s * cols + c] = (float) ((0.6 * shared + rng.nextGaussian()) * loud[c]);
        }
        HessianCollector hc = new HessianCollector();
        hc.linearInput("m", x, samples, cols);
        double[] h = hc.hessians().get("m").h();

        Gptq gptq = new Gptq(0.01, false, weighted);
        float[] mine = gptq.quantize(w, rows, cols, h, type).values();
        float[] ref = reference(w, rows, cols, h, type, 0.01, weighted);

        int same = 0;
        for (int i = 0; i < mine.length; i++) if (mine[i] == ref[i]) same++;
        double eMine = GptqTest.quadratic(w, mine, h, rows, cols), eRef = GptqTest.quadratic(w, ref, h, rows, cols);
        System.out.printf("GPTQ vs float64 reference, %s weighted=%s: %d/%d values equal, error %.6g vs %.6g%n",
                type, weighted, same, mine.length, eMine, eRef);
        assertThat((double) same / mine.length).isGreaterThanOrEqualTo(0.99);
        assertThat(eMine).isCloseTo(eRef, org.assertj.core.data.Percentage.withPercentage(0.5));
    }

    /** The OBQ recursion in double with an explicit inverse, scales chosen at each block's first column. */
    static float[] reference(float[] w, int rows, int cols, double[] h, DType type, double dampPercent, boolean weighted) {
        int bs = type.blockSize(), bb = type.blockBytes();
        double mean = 0;
        for (int i = 0; i < cols; i++) mean += h[i * cols + i];
        mean /= cols;
        float[] importance = null;
        if (weighted) {
            importance = new float[cols];
            for (int i = 0; i < cols; i++) importance[i] = (float) h[i * cols + i];
        }
        double[] a = h.clone();
        for (int i = 0; i < cols; i++) a[i * cols + i] += dampPercent * mean;
        double[] hinv0 = invert(a, cols);
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            double[] hinv = hinv0.clone();
            double[] wr = new double[cols];
            for (int j = 0; j < cols; j++) wr[j] = w[r * cols + j];
            byte[] blocks = new byte[(cols / bs) * bb];
            float[] block = new float[bs];
            for (int k = 0; k < cols; k++) {
                int blk = k / bs, pos = k % bs;
                if (pos == 0) {
                    for (int b = 0; b < bs; b++) block[b] = (float) wr[k + b];
                    System.arraycopy(Gptq.blockScales(type, block, k, bs, importance), 0, blocks, blk * bb, bb);
                }
                int q = BlockGrid.nearest(type, blocks, blk * bb, pos, (float) wr[k]);
                float v = BlockGrid.value(type, blocks, blk * bb, pos, q);
                out[r * cols + k] = v;
                double dkk = hinv[k * cols + k];
                double e = (wr[k] - v) / dkk;
                for (int j = k + 1; j < cols; j++) wr[j] -= e * hinv[k * cols + j];
                // remove column k from the problem: the inverse Hessian of the columns still open
                for (int i = k + 1; i < cols; i++) {
                    double f = hinv[i * cols + k] / dkk;
                    for (int j = k + 1; j < cols; j++) hinv[i * cols + j] -= f * hinv[k * cols + j];
                }
            }
        }
        return out;
    }

    /** Gauss–Jordan inverse with partial pivoting, in double. */
    static double[] invert(double[] m, int n) {
        double[] a = m.clone(), inv = new double[n * n];
        for (int i = 0; i < n; i++) inv[i * n + i] = 1;
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
            for (int j = 0; j < n; j++) {
                double t = a[c * n + j]; a[c * n + j] = a[p * n + j]; a[p * n + j] = t;
                t = inv[c * n + j]; inv[c * n + j] = inv[p * n + j]; inv[p * n + j] = t;
            }
            double d = a[c * n + c];
            for (int j = 0; j < n; j++) {
                a[c * n + j] /= d;
                inv[c * n + j] /= d;
            }
            for (int r = 0; r < n; r++) {
                if (r == c) continue;
                double f = a[r * n + c];
                if (f == 0) continue;
                for (int j = 0; j < n; j++) {
                    a[r * n + j] -= f * a[c * n + j];
                    inv[r * n + j] -= f * inv[c * n + j];
                }
            }
        }
        return inv;
    }
}
