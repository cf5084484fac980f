package dev.pith.compress.awq;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.quant.Dequantizer;
import dev.pith.core.quant.Quantizer;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * AWQ's search for one group of matrices that share an input (Lin et al. 2024, "AWQ:
 * Activation-aware Weight Quantization"): per input channel j the scale is s_j = mean|x_j|^α,
 * normalised so that max·min = 1, for α on a grid in [0, 1); the weights are quantized as
 * Q(W·diag(s)) and the activations divided by s, so the layer computes Q(W·diag(s))·diag(s)⁻¹·x.
 * The α kept is the one with the smallest output error Σ_rows δᵀ·XᵀX·δ over the calibration
 * activations, where δ = W − Q(W·diag(s))·diag(s)⁻¹. α = 0 is s = 1, plain rounding to nearest,
 * so the result is never worse than RTN on the calibration data.
 */
public final class ScaleSearch {
    /** A matrix of the group: row-major {@code rows × cols} values and the type it will be written in. */
    public record Member(float[] w, int rows, DType target) {}

    /** The chosen scales and their error, with RTN's error (α = 0) for comparison. */
    public record Result(double alpha, float[] scales, double error, double rtnError) {}

    private final int grid;

    /** {@code grid} values of α: 0, 1/grid, …, (grid−1)/grid (AWQ uses 20). */
    public ScaleSearch(int grid) {
        if (grid < 1) throw new IllegalArgumentException("grid must be at least 1");
        this.grid = grid;
    }

    /**
     * @param meanAbs per input column, the mean |x| over the calibration tokens
     * @param gram    XᵀX over the same tokens, cols × cols, row-major (any positive factor is fine)
     */
    public Result search(List<Member> group, double[] meanAbs, double[] gram) {
        int cols = meanAbs.length;
        double best = Double.POSITIVE_INFINITY, rtn = 0, bestAlpha = 0;
        float[] bestScales = ones(cols);
        for (int g = 0; g < grid; g++) {
            double alpha = (double) g / grid;
            float[] s = scales(meanAbs, alpha);
            double e = 0;
            for (Member m : group) e += error(m, s, gram);
            if (g == 0) rtn = e;
            if (e < best) {
                best = e;
                bestAlpha = alpha;
                bestScales = s;
            }
        }
        return new Result(bestAlpha, bestScales, best, rtn);
    }

    /** s_j = mean|x_j|^α divided by sqrt(max·min), as AWQ normalises; a silent channel keeps the smallest live value. */
    static float[] scales(double[] meanAbs, double alpha) {
        int n = meanAbs.length;
        double floor = Double.POSITIVE_INFINITY;
        for (double v : meanAbs) if (v > 0) floor = Math.min(floor, v);
        if (floor == Double.POSITIVE_INFINITY || alpha == 0) return ones(n);
        double[] s = new double[n];
        double max = 0, min = Double.POSITIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            s[j] = Math.pow(Math.max(meanAbs[j], floor), alpha);
            max = Math.max(max, s[j]);
            min = Math.min(min, s[j]);
        }
        double norm = Math.sqrt(max * min);
        float[] out = new float[n];
        for (int j = 0; j < n; j++) out[j] = (float) (s[j] / norm);
        return out;
    }

    /** The layer's output error on the calibration data when the member is quantized with scales {@code s}. */
    static double error(Member m, float[] s, double[] gram) {
        if (!Quantizer.supports(m.target())) return 0; // F16/BF16/F32 targets: the scale does not matter
        int cols = s.length, rows = m.rows();
        float[] scaled = new float[rows * cols];
        for (int r = 0; r < rows; r++) for (int j = 0; j < cols; j++) scaled[r * cols + j] = m.w()[r * cols + j] * s[j];
        float[] back = new float[rows * cols];
        Dequantizer.dequantize(m.target(), MemorySegment.ofArray(Quantizer.quantize(m.target(), scaled, scaled.length)), 0, back, 0, back.length);
        double[] perRow = new double[rows];
        Parallel.forRange(rows, 8, (from, to) -> {
            double[] d = new double[cols];
            for (int r = from; r < to; r++) {
                for (int j = 0; j < cols; j++) d[j] = m.w()[r * cols + j] - back[r * cols + j] / s[j];
                double sum = 0;
                for (int i = 0; i < cols; i++) {
                    if (d[i] == 0) continue;
                    double gi = 0;
                    int o = i * cols;
                    for (int j = 0; j < cols; j++) gi += gram[o + j] * d[j];
                    sum += d[i] * gi;
                }
                perRow[r] = sum;
            }
        });
        double e = 0;
        for (double v : perRow) e += v;
        return e;
    }

    static float[] ones(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }
}
