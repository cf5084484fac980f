package dev.pith.core.quant;

import dev.pith.core.DType;

import java.util.Arrays;

import static dev.pith.core.quant.KQuantizer.nearestInt;
import static dev.pith.core.quant.KQuantizer.putHalf;

/**
 * Importance-weighted quantizers byte-identical to ggml's quantize_row_*_impl, which
 * {@code llama-quantize --imatrix} uses: each weight's squared error counts in proportion to its
 * column's importance (the mean squared activation it multiplies), scaled by
 * sqrt(sigma² + x²) as ggml does. Q8_0 has no weighted variant (ggml ignores the importance for
 * it), so it is round to nearest. Float operations follow the C expressions one by one, as in
 * {@link KQuantizer}.
 */
public final class WeightedQuantizer {
    private static final float GROUP_MAX_EPS = 1e-15f;

    private WeightedQuantizer() {}

    /** Quantizes one row {@code x[0..count)} with importance {@code qw[0..count)} (one value per column). */
    public static byte[] quantizeRow(DType type, float[] x, int count, float[] qw) {
        return quantizeRow(type, x, count, qw, Qkx2Lanes.ENABLED);
    }

    /** {@code lanes}: Q4_K/Q5_K sub-block searches side by side ({@link Qkx2Lanes}, the same bytes). */
    static byte[] quantizeRow(DType type, float[] x, int count, float[] qw, boolean lanes) {
        if (count % type.blockSize() != 0)
            throw new IllegalArgumentException(count + " values is not a whole number of " + type + " blocks of " + type.blockSize());
        if (qw.length < count) throw new IllegalArgumentException("importance has " + qw.length + " values for a row of " + count);
        byte[] y = new byte[Math.toIntExact(type.bytesFor(count))];
        int nb = count / type.blockSize();
        switch (type) {
            case Q8_0 -> { return Quantizer.quantize(type, x, count); }
            case Q4_0, Q5_0 -> {
                int nmax = type == DType.Q4_0 ? 8 : 16;
                float sigma2 = rowSigma2(x, count);
                for (int b = 0; b < nb; b++) symmetric32(x, 32 * b, qw, sigma2, nmax, y, type.blockBytes() * b, type == DType.Q5_0);
            }
            case Q4_1, Q5_1 -> {
                int nmax = type == DType.Q4_1 ? 15 : 31;
                float sigma2 = rowSigma2(x, count);
                for (int b = 0; b < nb; b++) withMin32(x, 32 * b, qw, sigma2, nmax, y, type.blockBytes() * b, type == DType.Q5_1);
            }
            case Q2_K -> { for (int b = 0; b < nb; b++) q2_K(x, 256 * b, qw, y, 84 * b, lanes); }
            case Q3_K -> { for (int b = 0; b < nb; b++) q3_K(x, 256 * b, qw, y, 110 * b); }
            case Q4_K, Q5_K -> {
                boolean q4 = type == DType.Q4_K;
                int bytes = type.blockBytes();
                for (int b = 0, k; b < nb; b += k) {
                    k = lanes ? Math.min(Qkx2Lanes.BLOCKS, nb - b) : 1;
                    byte[] L = k4(x, 256 * b, k, qw, y, bytes * b, bytes, q4 ? 15 : 31, !q4, lanes);
                    for (int i = 0; i < k; i++) {
                        if (q4) KQuantizer.packQuantsQ4K(L, 256 * i, y, bytes * (b + i));
                        else KQuantizer.packQuantsQ5K(i == 0 ? L : Arrays.copyOfRange(L, 256 * i, 256 * i + 256), y, bytes * (b + i));
                    }
                }
            }
            case Q6_K -> { for (int b = 0; b < nb; b++) KQuantizer.q6_K(x, 256 * b, y, 210 * b, qw, 256 * b); }
            default -> throw new IllegalArgumentException("Pith cannot quantize to " + type + " yet");
        }
        return y;
    }

    /** The legacy types' sigma²: the mean square of the whole row. */
    private static float rowSigma2(float[] x, int n) {
        float s = 0;
        for (int j = 0; j < n; j++) s += x[j] * x[j];
        return s / n;
    }

    private static float sqrtf(float v) { return (float) Math.sqrt(v); }

    /** Q4_0 / Q5_0 impl: make_qx_quants with the weights, quants stored as l + nmax. */
    private static void symmetric32(float[] x, int xo, float[] qw, float sigma2, int nmax, byte[] y, int yo, boolean fifthBit) {
        float[] w = new float[32];
        for (int j = 0; j < 32; j++) w[j] = qw[xo + j] * sqrtf(sigma2 + x[xo + j] * x[xo + j]);
        byte[] L = new byte[32];
        float d = KQuantizer.makeQxQuants(32, nmax, x, xo, L, 0, w, 0);
        putHalf(y, yo, d);
        BlockGrid.nibbles(L, y, yo + (fifthBit ? 6 : 2), fifthBit ? yo + 2 : -1);
    }

    /** Q4_1 / Q5_1 impl: make_qkx3_quants with the weights, d and m = min stored as halves. */
    private static void withMin32(float[] x, int xo, float[] qw, float sigma2, int nmax, byte[] y, int yo, boolean fifthBit) {
        float[] w = new float[32];
        for (int j = 0; j < 32; j++) w[j] = qw[xo + j] * sqrtf(sigma2 + x[xo + j] * x[xo + j]);
        byte[] L = new byte[32], laux = new byte[32];
        float[] min = new float[1];
        float d = KQuantizer.makeQkx2Quants(32, nmax, x, xo, w, L, 0, min, 0, laux, -0.9f, 0.05f, 36, false);
        putHalf(y, yo, d);
        putHalf(y, yo + 2, -min[0]);
        BlockGrid.nibbles(L, y, yo + (fifthBit ? 8 : 4), fifthBit ? yo + 4 : -1);
    }

    /**
     * make_qp_quants: non-negative values x (a block's sub-scales or sub-mins) to integers in
     * [0, nmax] with one scale, weighted by qw; L holds C's uint8 values (0..255).
     */
    static float makeQpQuants(int n, int nmax, float[] x, int[] L, float[] qw) {
        float max = 0;
        for (int i = 0; i < n; i++) max = Math.max(max, x[i]);
        if (max < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[i] = 0;
            return 0f;
        }
        float iscale = nmax / max;
        for (int i = 0; i < n; i++) L[i] = nearestInt(iscale * x[i]) & 0xFF;
        float scale = 1 / iscale;
        float bestMse = 0;
        for (int i = 0; i < n; i++) {
            float diff = x[i] - scale * L[i];
            bestMse += qw[i] * diff * diff;
        }
        for (int is = -4; is <= 4; is++) {
            if (is == 0) continue;
            float iscaleIs = (0.1f * is + nmax) / max;
            float scaleIs = 1 / iscaleIs;
            float mse = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.min(nmax, nearestInt(iscaleIs * x[i]));
                float diff = x[i] - scaleIs * l;
                mse += qw[i] * diff * diff;
            }
            if (mse < bestMse) {
                bestMse = mse;
                iscale = iscaleIs;
            }
        }
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.min(nmax, nearestInt(iscale * x[i]));
            L[i] = l & 0xFF;
            float w = qw[i];
            sumlx += w * x[i] * L[i];
            suml2 += w * L[i] * L[i];
        }
        for (int itry = 0; itry < 5; itry++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float w = qw[i];
                float slx = sumlx - w * x[i] * L[i];
                float sl2 = suml2 - w * L[i] * L[i];
                if (slx > 0 && sl2 > 0) {
                    int newL = Math.min(nmax, nearestInt(x[i] * sl2 / slx));
                    if (newL != L[i]) {
                        slx += w * x[i] * newL;
                        sl2 += w * newL * newL;
                        if (slx * slx * suml2 > sumlx * sumlx * sl2) {
                            L[i] = newL & 0xFF;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) break;
        }
        return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
    }

    /** quantize_row_q2_K_impl for one block. */
    private static void q2_K(float[] x, int xo, float[] qw, byte[] y, int yo, boolean lanes) {
        byte[] L = new byte[256];
        float[] mins = new float[16], scales = new float[16], sw = new float[16], weights = new float[256];
        float sumx2 = 0;
        for (int j = 0; j < 256; j++) sumx2 += x[xo + j] * x[xo + j];
        float sigma2 = sumx2 / 256;
        for (int j = 0; j < 16; j++) {
            for (int l = 0; l < 16; l++) weights[16 * j + l] = qw[xo + 16 * j + l] * sqrtf(sigma2 + x[xo + 16 * j + l] * x[xo + 16 * j + l]);
            for (int l = 0; l < 16; l++) sw[j] += weights[16 * j + l];
        }
        if (!lanes || !KQuantizer.sixteensInLanes(x, xo, weights, 0, 3, -0.9f, 0.05f, 36, false, L, scales, mins)) {
            byte[] laux = new byte[16];
            float[] weight = new float[16];
            for (int j = 0; j < 16; j++) {
                System.arraycopy(weights, 16 * j, weight, 0, 16);
                scales[j] = KQuantizer.makeQkx2Quants(16, 3, x, xo + 16 * j, weight, L, 16 * j, mins, j, laux, -0.9f, 0.05f, 36, false);
            }
        }
        int[] ls = new int[16], lm = new int[16];
        float dm = makeQpQuants(16, 15, scales, ls, sw);
        float mm = makeQpQuants(16, 15, mins, lm, sw);
        putHalf(y, yo + 80, dm);
        putHalf(y, yo + 82, mm);
        for (int j = 0; j < 16; j++) y[yo + j] = (byte) (ls[j] | (lm[j] << 4));
        KQuantizer.finishQ2K(x, xo, y, yo, L);
    }

    /** quantize_row_q3_K_impl for one block. */
    private static void q3_K(float[] x, int xo, float[] qw, byte[] y, int yo) {
        byte[] L = new byte[256], Ls = new byte[16];
        float[] scales = new float[16], sw = new float[16], weight = new float[16];
        float sumx2 = 0;
        for (int j = 0; j < 256; j++) sumx2 += x[xo + j] * x[xo + j];
        float sigma2 = 2 * sumx2 / 256;
        for (int j = 0; j < 16; j++) {
            for (int l = 0; l < 16; l++) weight[l] = qw[xo + 16 * j + l] * sqrtf(sigma2 + x[xo + 16 * j + l] * x[xo + 16 * j + l]);
            float sumw = 0;
            for (int l = 0; l < 16; l++) sumw += weight[l];
            sw[j] = sumw;
            scales[j] = KQuantizer.makeQxQuants(16, 4, x, xo + 16 * j, L, 16 * j, weight, 0);
        }
        int sc0 = yo + 96;
        for (int j = 0; j < 12; j++) y[sc0 + j] = 0;
        float dBlock = KQuantizer.makeQxQuants(16, 32, scales, 0, Ls, 0, sw, 0);
        for (int j = 0; j < 16; j++) {
            int l = Ls[j];
            if (j < 8) y[sc0 + j] = (byte) (l & 0xF);
            else y[sc0 + j - 8] |= (byte) ((l & 0xF) << 4);
            l >>= 4;
            y[sc0 + j % 4 + 8] |= (byte) (l << (2 * (j / 4)));
        }
        putHalf(y, yo + 108, dBlock);
        KQuantizer.finishQ3K(x, xo, y, yo, L);
    }

    /**
     * quantize_row_q4_K_impl / q5_K_impl for {@code blocks} consecutive blocks (one unless the lanes
     * search several side by side): scales and mins by make_qp_quants; returns the quants, L[256b + i].
     */
    private static byte[] k4(float[] x, int xo, int blocks, float[] qw, byte[] y, int yo, int blockBytes, int nmax,
                             boolean clampScales, boolean lanes) {
        byte[] L = new byte[256 * blocks];
        float[] weights = new float[256 * blocks], sw = new float[8 * blocks], mins = new float[8 * blocks], scales = new float[8 * blocks];
        for (int b = 0; b < blocks; b++) {
            int bo = xo + 256 * b;
            float sumX2 = 0;
            for (int l = 0; l < 256; l++) sumX2 += x[bo + l] * x[bo + l];
            float sigma2 = 2 * sumX2 / 256;
            for (int j = 0; j < 8; j++) {
                int w0 = 256 * b + 32 * j;
                for (int l = 0; l < 32; l++) weights[w0 + l] = qw[bo + 32 * j + l] * sqrtf(sigma2 + x[bo + 32 * j + l] * x[bo + 32 * j + l]);
                float sumw = 0;
                for (int l = 0; l < 32; l++) sumw += weights[w0 + l];
                sw[8 * b + j] = sumw;
            }
        }
        Qkx2Lanes.Search search = lanes && blocks <= Qkx2Lanes.BLOCKS
                ? Qkx2Lanes.searchWeighted(x, xo, weights, 0, blocks, nmax, -0.9f, 0.05f, 36, scales, mins) : null;
        if (search == null) {
            byte[] laux = new byte[32];
            float[] w = new float[32];
            for (int j = 0; j < 8 * blocks; j++) {
                System.arraycopy(weights, 32 * j, w, 0, 32);
                scales[j] = KQuantizer.makeQkx2Quants(32, nmax, x, xo + 32 * j, w, L, 32 * j, mins, j, laux, -0.9f, 0.05f, 36, false);
            }
        }
        for (int b = 0; b < blocks; b++) {
            int[] ls = new int[8], lm = new int[8];
            float[] blockSw = Arrays.copyOfRange(sw, 8 * b, 8 * b + 8);
            float dBlock = makeQpQuants(8, 63, Arrays.copyOfRange(scales, 8 * b, 8 * b + 8), ls, blockSw);
            float mBlock = makeQpQuants(8, 63, Arrays.copyOfRange(mins, 8 * b, 8 * b + 8), lm, blockSw);
            if (clampScales) {
                for (int j = 0; j < 8; j++) {
                    ls[j] = Math.min(63, ls[j]);
                    lm[j] = Math.min(63, lm[j]);
                }
            }
            KQuantizer.packScalesK4(y, yo + blockBytes * b, ls, lm, dBlock, mBlock);
            KQuantizer.requantizeK4(x, xo + 256 * b, y, yo + blockBytes * b, nmax, L, 256 * b, search, 8 * b);
        }
        return L;
    }
}
