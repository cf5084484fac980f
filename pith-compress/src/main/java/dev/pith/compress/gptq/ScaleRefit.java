package dev.pith.compress.gptq;

import dev.pith.core.DType;
import dev.pith.core.quant.BlockGrid;

/**
 * Re-chooses a row's block scales once GPTQ has chosen its codes. In every ggml block format a
 * dequantized value is linear in the block's half-precision scale fields (d for Q4_0/Q5_0/Q8_0/
 * Q3_K/Q6_K; d and the min m or dmin for Q4_1/Q5_1/Q2_K/Q4_K/Q5_K) once the codes and the 6- or
 * 4-bit sub-block scales are fixed. So the scales that minimise the layer's output error
 * (w − ŵ)ᵀH(w − ŵ) for the chosen codes are a small least-squares problem, one unknown per scale
 * field of the row, coupled across blocks through H. GPTQ itself fixes the scales before the codes
 * (from the weights, not from where compensation moves them); this closes that gap.
 */
final class ScaleRefit {
    private ScaleRefit() {}

    /** Byte offsets, inside one block, of the half-precision fields that values are linear in. */
    static int[] fields(DType t) {
        return switch (t) {
            case Q8_0, Q4_0, Q5_0 -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException("no scale fields for " + t);
        };
    }

    /** (w − ŵ)ᵀH(w − ŵ) for one row: its contribution to the layer's output error. */
    static double error(float[] w, int wo, float[] v, int vo, double[] h, int n) {
        double[] e = new double[n];
        for (int i = 0; i < n; i++) e[i] = (double) w[wo + i] - v[vo + i];
        double s = 0;
        for (int i = 0; i < n; i++) {
            if (e[i] == 0) continue;
            double t = 0;
            int hi = i * n;
            for (int j = 0; j < n; j++) t += h[hi + j] * e[j];
            s += e[i] * t;
        }
        return s;
    }

    /**
     * The row {@code row} (packed blocks, codes in place) with its scale fields set to the
     * H-weighted least-squares optimum for {@code codes}, or null when the system is singular
     * (a block whose codes all give zero, say). The row's sub-block scales are not touched.
     */
    static byte[] refit(DType t, byte[] row, int[] codes, float[] w, int wo, double[] h, int n) {
        int bs = t.blockSize(), bb = t.blockBytes(), nb = n / bs;
        int[] f = fields(t);
        int nf = f.length, p = nb * nf;
        // basis[k][j]: column j's value per unit of parameter k (block j/bs, field k%nf), zero outside the block
        double[][] basis = new double[nf][n];
        byte[] probe = new byte[bb];
        for (int b = 0; b < nb; b++) {
            for (int k = 0; k < nf; k++) {
                System.arraycopy(row, b * bb, probe, 0, bb);
                for (int g = 0; g < nf; g++) setHalf(probe, f[g], g == k ? 1f : 0f);
                for (int i = 0; i < bs; i++) basis[k][b * bs + i] = BlockGrid.value(t, probe, 0, i, codes[b * bs + i]);
            }
        }
        // HA (n × p) column by column: only the parameter's own block of A is non-zero
        double[] ha = new double[n * p];
        for (int b = 0; b < nb; b++) {
            for (int k = 0; k < nf; k++) {
                int c = b * nf + k;
                for (int j = b * bs; j < (b + 1) * bs; j++) {
                    double a = basis[k][j];
                    if (a == 0) continue;
                    for (int i = 0; i < n; i++) ha[i * p + c] += h[i * n + j] * a;
                }
            }
        }
        double[] g = new double[p * p], rhs = new double[p];
        for (int c = 0; c < p; c++) {
            for (int i = 0; i < n; i++) rhs[c] += ha[i * p + c] * w[wo + i];
            for (int d = 0; d < p; d++) {
                int b = d / nf, k = d % nf;
                double s = 0;
                for (int j = b * bs; j < (b + 1) * bs; j++) s += basis[k][j] * ha[j * p + c];
                g[c * p + d] = s;
            }
        }
        double trace = 0;
        for (int c = 0; c < p; c++) trace += g[c * p + c];
        if (!(trace > 0)) return null;
        for (int c = 0; c < p; c++) g[c * p + c] += 1e-10 * trace / p;
        double[] x = solve(g, rhs, p);
        if (x == null) return null;
        byte[] out = row.clone();
        for (int b = 0; b < nb; b++) {
            for (int k = 0; k < nf; k++) {
                double v = x[b * nf + k];
                if (!Double.isFinite(v) || Math.abs(v) > 65504) return null;
                setHalf(out, b * bb + f[k], (float) v);
            }
        }
        return out;
    }

    /** Solves the symmetric positive-definite system g x = r (Cholesky); null when it is not. */
    static double[] solve(double[] g, double[] r, int p) {
        double[] l = Cholesky.lower(g, p);
        if (l == null) return null;
        double[] y = new double[p];
        for (int i = 0; i < p; i++) {
            double s = r[i];
            for (int k = 0; k < i; k++) s -= l[i * p + k] * y[k];
            y[i] = s / l[i * p + i];
        }
        double[] x = new double[p];
        for (int i = p - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < p; k++) s -= l[k * p + i] * x[k];
            x[i] = s / l[i * p + i];
        }
        return x;
    }

    private static void setHalf(byte[] y, int off, float v) {
        short s = Float.floatToFloat16(v);
        y[off] = (byte) s;
        y[off + 1] = (byte) (s >>> 8);
    }
}
