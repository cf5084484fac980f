package dev.pith.core.quant;

/**
 * ggml's reference K-quant quantizers (quantize_row_q2_K_ref ... q6_K_ref), which llama-quantize
 * uses when it has no importance matrix. Byte-identical output depends on doing every float
 * operation as ggml-base does on x86-64: single precision, left to right, one rounding per
 * operation. ggml-base is compiled without -march flags, so no FMA contraction happens there
 * (unlike aarch64 builds). Java float arithmetic is exactly that, so the code follows the C
 * expressions operation for operation; {@link #nearestInt} copies ggml's magic-number rounding,
 * including what it does outside its intended range.
 */
final class KQuantizer {
    private static final float GROUP_MAX_EPS = 1e-15f;

    private KQuantizer() {}

    /** ggml's nearest_int: add 1.5*2^23 and read the low mantissa bits (round half to even for |f| < 2^22). */
    static int nearestInt(float f) {
        int i = Float.floatToRawIntBits(f + 12582912f);
        return (i & 0x007fffff) - 0x00400000;
    }

    static void putHalf(byte[] y, int off, float v) {
        short h = Float.floatToFloat16(v);
        y[off] = (byte) h;
        y[off + 1] = (byte) (h >>> 8);
    }

    static float half(byte[] y, int off) {
        return Float.float16ToFloat((short) ((y[off] & 0xFF) | (y[off + 1] << 8)));
    }

    // ---- the scale searches ----

    /** The value of largest magnitude in x[xo .. xo+n), sign kept (the first one on ties). */
    static float signedAbsMax(float[] x, int xo, int n) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        return max;
    }

    /**
     * make_qx_quants with rmse_type 1 and no importance weights: symmetric quants in
     * [-nmax, nmax-1] stored as L = l + nmax, the scale chosen among 19 candidates by weighted
     * (x^2) least squares.
     */
    static float makeQxQuants(int n, int nmax, float[] x, int xo, byte[] L, int lo) {
        return makeQxQuants(n, nmax, x, xo, L, lo, null, 0);
    }

    /** make_qx_quants with rmse_type 1 and importance weights qw[qo ..] (null: x^2, the unweighted rule). */
    static float makeQxQuants(int n, int nmax, float[] x, int xo, byte[] L, int lo, float[] qw, int qo) {
        float max = signedAbsMax(x, xo, n), amax = Math.abs(max);
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xo + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * xi)));
            L[lo + i] = (byte) (l + nmax);
            float w = qw != null ? qw[qo + i] : xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * xi)));
                float w = qw != null ? qw[qo + i] : xi * xi;
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    L[lo + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i]))));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /** make_q3_quants with do_rmse: symmetric quants refined one at a time (up to 5 passes), L = l + nmax. */
    static float makeQ3Quants(int n, int nmax, float[] x, int xo, byte[] L, int lo) {
        float max = signedAbsMax(x, xo, n), amax = Math.abs(max);
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xo + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * xi)));
            L[lo + i] = (byte) l;
            float w = xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        for (int itry = 0; itry < 5; itry++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                float w = xi * xi;
                int li = L[lo + i];
                float slx = sumlx - w * xi * li;
                if (slx > 0) {
                    float sl2 = suml2 - w * li * li;
                    int newL = Math.max(-nmax, Math.min(nmax - 1, nearestInt(xi * sl2 / slx)));
                    if (newL != li) {
                        slx += w * xi * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            L[lo + i] = (byte) newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) break;
        }
        for (int i = 0; i < n; i++) L[lo + i] += (byte) nmax;
        return suml2 > 0f ? sumlx / suml2 : 0f;
    }

    /**
     * make_qkx2_quants: asymmetric quants in [0, nmax] with a min; tries nstep+1 scales around
     * nmax/(max-min) and keeps the one with the least weighted error (squared, or absolute with
     * useMad). Returns the scale; the (negated) min goes to {@code theMin[tm]}.
     *
     * <p>It is also ggml's make_qkx3_quants, which the importance-weighted K quantizers call
     * ({@link WeightedQuantizer}): with caller-given weights, use_mad false and nstep ≥ 1 the two C
     * functions execute the same float operations in the same order (qkx3's {@code max <= min}
     * test equals qkx2's {@code max == min} once min is clipped to at most 0); they differ only in
     * the weights ggml substitutes when none are given and in the rmin/rdelta/nstep the callers pass.
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights, byte[] L, int lo, float[] theMin, int tm,
                                byte[] laux, float rmin, float rdelta, int nstep, boolean useMad) {
        float min = x[xo], max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float xi = x[xo + i];
            if (xi < min) min = xi;
            if (xi > max) max = xi;
            float w = weights[i];
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            theMin[tm] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * (x[xo + i] - min));
            L[lo + i] = (byte) Math.max(0, Math.min(nmax, l));
            float diff = scale * L[lo + i] + min - x[xo + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1) {
            theMin[tm] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
                laux[i] = (byte) l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xo + i];
            }
            float D = sumW * sumL2 - sumL * sumL;
            if (D > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / D;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / D;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * laux[i] + thisMin - x[xo + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    curError += weights[i] * diff;
                }
                if (curError < bestError) {
                    System.arraycopy(laux, 0, L, lo, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[tm] = -min;
        return scale;
    }

    // ---- the block quantizers; x[xo ... xo+256) to y[yo ...] ----

    static void q2_K(float[] x, int xo, byte[] y, int yo) {
        q2_K(x, xo, y, yo, Qkx2Lanes.ENABLED);
    }

    /** {@code lanes}: the sixteen sub-blocks' searches side by side ({@link Qkx2Lanes#searchSixteens}, the same bytes). */
    static void q2_K(float[] x, int xo, byte[] y, int yo, boolean lanes) {
        BlockScratch scratch = BLOCK_SCRATCH.get();
        byte[] L = scratch.codes; // every code of the block is written before it is read
        float[] mins = scratch.mins, scales = scratch.scales;
        if (!lanes || !sixteensInLanes(x, xo, null, 0, 3, -0.5f, 0.1f, 15, true, L, scales, mins)) {
            byte[] laux = new byte[16];
            float[] weights = new float[16];
            for (int j = 0; j < 16; j++) {
                for (int l = 0; l < 16; l++) weights[l] = Math.abs(x[xo + 16 * j + l]);
                scales[j] = makeQkx2Quants(16, 3, x, xo + 16 * j, weights, L, 16 * j, mins, j, laux, -0.5f, 0.1f, 15, true);
            }
        }
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 16; j++) {
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        // Layout: scales[16] @0, qs[64] @16, d @80, dmin @82.
        if (maxScale > 0) {
            float iscale = 15f / maxScale;
            for (int j = 0; j < 16; j++) y[yo + j] = (byte) nearestInt(iscale * scales[j]);
            putHalf(y, yo + 80, maxScale / 15f);
        } else {
            for (int j = 0; j < 16; j++) y[yo + j] = 0;
            putHalf(y, yo + 80, 0f);
        }
        if (maxMin > 0) {
            float iscale = 15f / maxMin;
            for (int j = 0; j < 16; j++) y[yo + j] |= (byte) (nearestInt(iscale * mins[j]) << 4);
            putHalf(y, yo + 82, maxMin / 15f);
        } else {
            putHalf(y, yo + 82, 0f);
        }
        finishQ2K(x, xo, y, yo, L);
    }

    /**
     * The searches of a super-block's sixteen 16-value sub-blocks in the lanes ({@link Qkx2Lanes#searchSixteens},
     * as many at a time as there are lanes), codes into L[16j ..], scales and −mins per sub-block;
     * false where the lanes give up (then nothing read is kept and the caller runs the scalar search).
     */
    static boolean sixteensInLanes(float[] x, int xo, float[] w, int wo, int nmax, float rmin, float rdelta, int nstep, boolean mad,
                                   byte[] L, float[] scales, float[] mins) {
        int per = Math.min(16, Qkx2Lanes.lanes());
        BlockScratch scratch = BLOCK_SCRATCH.get();
        float[] sc = scratch.laneScales, mn = scratch.laneMins;
        for (int j0 = 0; j0 < 16; j0 += per) {
            Qkx2Lanes.Search s = Qkx2Lanes.searchSixteens(x, xo + 16 * j0, per, w, wo + 16 * j0, nmax, rmin, rdelta, nstep, mad, sc, mn);
            if (s == null) return false;
            System.arraycopy(sc, 0, scales, j0, per);
            System.arraycopy(mn, 0, mins, j0, per);
            // the codes of the sub-blocks whose stored scale rounds to 0 are these; the rest are recomputed
            for (int k = 0; k < per; k++) s.codes(k, L, 16 * (j0 + k));
        }
        return true;
    }

    /** Requantizes a Q2_K block from its stored scales and mins and packs the 2-bit quants (shared by ref and impl). */
    static void finishQ2K(float[] x, int xo, byte[] y, int yo, byte[] L) {
        for (int j = 0; j < 16; j++) {
            int sc = y[yo + j] & 0xFF;
            float d = half(y, yo + 80) * (sc & 0xF);
            if (d == 0) continue;
            float dm = half(y, yo + 82) * (sc >>> 4);
            for (int ii = 0; ii < 16; ii++) {
                L[16 * j + ii] = (byte) Math.max(0, Math.min(3, nearestInt((x[xo + 16 * j + ii] + dm) / d)));
            }
        }
        packQuantsQ2K(L, y, yo);
    }

    /** Q2_K's qs[64] @16: byte l of each 32-byte half holds values l, l+32, l+64, l+96 of its 128, two bits each. */
    static void packQuantsQ2K(byte[] L, byte[] y, int yo) {
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l++) {
                y[yo + 16 + j / 4 + l] = (byte) (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
            }
        }
    }

    static void q3_K(float[] x, int xo, byte[] y, int yo) {
        byte[] L = new byte[256];
        float[] scales = new float[16];
        float maxScale = 0, amax = 0;
        for (int j = 0; j < 16; j++) {
            scales[j] = makeQ3Quants(16, 4, x, xo + 16 * j, L, 16 * j);
            float scale = Math.abs(scales[j]);
            if (scale > amax) {
                amax = scale;
                maxScale = scales[j];
            }
        }
        // Layout: hmask[32] @0, qs[64] @32, scales[12] @96, d @108.
        int sc0 = yo + 96;
        for (int j = 0; j < 12; j++) y[sc0 + j] = 0;
        if (maxScale != 0) {
            float iscale = -32f / maxScale;
            for (int j = 0; j < 16; j++) {
                int l = (byte) nearestInt(iscale * scales[j]);
                l = Math.max(-32, Math.min(31, l)) + 32;
                if (j < 8) y[sc0 + j] = (byte) (l & 0xF);
                else y[sc0 + j - 8] |= (byte) ((l & 0xF) << 4);
                l >>= 4;
                y[sc0 + j % 4 + 8] |= (byte) (l << (2 * (j / 4)));
            }
            putHalf(y, yo + 108, 1 / iscale);
        } else {
            putHalf(y, yo + 108, 0f);
        }
        finishQ3K(x, xo, y, yo, L);
    }

    /** Requantizes a Q3_K block from its stored scales and packs hmask and the low 2 bits (shared by ref and impl). */
    static void finishQ3K(float[] x, int xo, byte[] y, int yo, byte[] L) {
        int sc0 = yo + 96;
        for (int j = 0; j < 16; j++) {
            int sc = j < 8 ? y[sc0 + j] & 0xF : (y[sc0 + j - 8] & 0xFF) >>> 4;
            sc = (sc | (((y[sc0 + 8 + j % 4] >>> (2 * (j / 4))) & 3) << 4)) - 32;
            float d = half(y, yo + 108) * sc;
            if (d == 0) continue;
            for (int ii = 0; ii < 16; ii++) {
                int l = Math.max(-4, Math.min(3, nearestInt(x[xo + 16 * j + ii] / d)));
                L[16 * j + ii] = (byte) (l + 4);
            }
        }
        packQuantsQ3K(L, y, yo);
    }

    /** Q3_K's hmask[32] @0 (the bit for 4 and up) and qs[64] @32 (the low two bits) from L in 0..7; L keeps only the low bits afterwards. */
    static void packQuantsQ3K(byte[] L, byte[] y, int yo) {
        for (int j = 0; j < 32; j++) y[yo + j] = 0;
        int m = 0, hm = 1;
        for (int j = 0; j < 256; j++) {
            if (L[j] > 3) {
                y[yo + m] |= (byte) hm;
                L[j] -= 4;
            }
            if (++m == 32) {
                m = 0;
                hm <<= 1;
            }
        }
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l++) {
                y[yo + 32 + j / 4 + l] = (byte) (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
            }
        }
    }

    /**
     * Q4_K (nmax 15, rmin -1) and Q5_K (nmax 31, rmin -0.5) share everything but the packing of the
     * quants: the scales of {@code blocks} consecutive super-blocks (x[xo + 256b ..) into the block
     * bytes at y[yo + blockBytes·b ..]) and their codes, L[256b + i]. Blocks go through the lanes
     * {@link Qkx2Lanes#BLOCKS} at a time where they fit; each block's bytes are its own either way.
     */
    private static byte[] scalesAndQuantsK4(float[] x, int xo, int blocks, byte[] y, int yo, int blockBytes,
                                            int nmax, float rmin, int nstep, boolean lanes) {
        BlockScratch scratch = blocks <= Qkx2Lanes.BLOCKS ? BLOCK_SCRATCH.get() : new BlockScratch(blocks);
        byte[] L = scratch.codes; // every code below 256·blocks is written before it is read
        float[] mins = scratch.mins, scales = scratch.scales;
        Qkx2Lanes.Search search = lanes && blocks <= Qkx2Lanes.BLOCKS ? Qkx2Lanes.search(x, xo, blocks, nmax, rmin, nstep, scales, mins) : null;
        if (search == null) {
            byte[] laux = new byte[32];
            float[] w = new float[32];
            for (int j = 0; j < 8 * blocks; j++) {
                float sumX2 = 0;
                for (int l = 0; l < 32; l++) sumX2 += x[xo + 32 * j + l] * x[xo + 32 * j + l];
                float avX = (float) Math.sqrt(sumX2 / 32);
                for (int l = 0; l < 32; l++) w[l] = avX + Math.abs(x[xo + 32 * j + l]);
                scales[j] = makeQkx2Quants(32, nmax, x, xo + 32 * j, w, L, 32 * j, mins, j, laux, rmin, 0.1f, nstep, false);
            }
        }
        for (int b = 0; b < blocks; b++) {
            float maxScale = 0, maxMin = 0;
            for (int j = 8 * b; j < 8 * b + 8; j++) {
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            float invScale = maxScale > 0 ? 63f / maxScale : 0f;
            float invMin = maxMin > 0 ? 63f / maxMin : 0f;
            int[] ls = scratch.ls, lm = scratch.lm;
            for (int j = 0; j < 8; j++) {
                ls[j] = Math.min(63, nearestInt(invScale * scales[8 * b + j]) & 0xFF);
                lm[j] = Math.min(63, nearestInt(invMin * mins[8 * b + j]) & 0xFF);
            }
            int at = yo + blockBytes * b;
            packScalesK4(y, at, ls, lm, maxScale / 63f, maxMin / 63f);
            requantizeK4(x, xo + 256 * b, y, at, nmax, L, 256 * b, search, 8 * b);
        }
        return L;
    }

    /**
     * One thread's work arrays for {@link #scalesAndQuantsK4} (up to {@link Qkx2Lanes#BLOCKS} blocks a
     * call) and {@link #q2_K}: made once, since ~0.9 KB of new arrays per 512 values was 1.1 GB of
     * garbage for the 1B model's Q4_K_M. The codes a call returns live here until the thread's next call.
     */
    private static final class BlockScratch {
        final byte[] codes;
        /** Per sub-block: 8 per Q4_K/Q5_K block, 16 for Q2_K's one. */
        final float[] mins, scales;
        final int[] ls = new int[8], lm = new int[8];
        /** {@link #sixteensInLanes}'s results of one lane-wise search. */
        final float[] laneScales = new float[16], laneMins = new float[16];

        BlockScratch(int blocks) {
            codes = new byte[256 * blocks];
            mins = new float[Math.max(16, 8 * blocks)];
            scales = new float[Math.max(16, 8 * blocks)];
        }
    }

    private static final ThreadLocal<BlockScratch> BLOCK_SCRATCH = ThreadLocal.withInitial(() -> new BlockScratch(Qkx2Lanes.BLOCKS));

    /** Writes d @0, dmin @2 and the eight 6-bit (scale, min) pairs @4 of a Q4_K/Q5_K block (values taken as uint8, as ggml stores them). */
    static void packScalesK4(byte[] y, int yo, int[] ls, int[] lm, float d, float dmin) {
        int s = yo + 4;
        for (int j = 0; j < 8; j++) {
            int l = ls[j] & 0xFF, m = lm[j] & 0xFF;
            if (j < 4) {
                y[s + j] = (byte) l;
                y[s + j + 4] = (byte) m;
            } else {
                y[s + j + 4] = (byte) ((l & 0xF) | ((m & 0xF) << 4));
                y[s + j - 4] |= (byte) ((l >>> 4) << 6);
                y[s + j] |= (byte) ((m >>> 4) << 6);
            }
        }
        putHalf(y, yo, d);
        putHalf(y, yo + 2, dmin);
    }

    /** Recomputes the quants of a Q4_K/Q5_K block from its stored (rounded) scales and mins, as both ggml quantizers do. */
    static void requantizeK4(float[] x, int xo, byte[] y, int yo, int nmax, byte[] L) {
        requantizeK4(x, xo, y, yo, nmax, L, 0, null, 0);
    }

    /**
     * Codes into L[lo ..]. A sub-block whose stored scale is 0 keeps the search's codes: already in L
     * after the scalar search, in {@code search} (its sub-blocks from {@code sub0} on) after the lanes'
     * one, which also makes the other codes lane-wise ({@link LaneCodes}, the same bytes).
     */
    static void requantizeK4(float[] x, int xo, byte[] y, int yo, int nmax, byte[] L, int lo, Qkx2Lanes.Search search, int sub0) {
        java.lang.foreign.MemorySegment seg = java.lang.foreign.MemorySegment.ofArray(y);
        int s = yo + 4;
        for (int j = 0; j < 8; j++) {
            float d = half(y, yo) * KScales.scaleK4(seg, s, j);
            if (d == 0) {
                if (search != null) search.codes(sub0 + j, L, lo + 32 * j);
                continue;
            }
            float dm = half(y, yo + 2) * KScales.minK4(seg, s, j);
            if (search != null) {
                LaneCodes.codes(x, xo + 32 * j, 32, dm, d, 0, nmax, 0, L, lo + 32 * j);
                continue;
            }
            for (int ii = 0; ii < 32; ii++) {
                L[lo + 32 * j + ii] = (byte) Math.max(0, Math.min(nmax, nearestInt((x[xo + 32 * j + ii] + dm) / d)));
            }
        }
    }

    static void q4_K(float[] x, int xo, byte[] y, int yo) {
        q4_K(x, xo, y, yo, Qkx2Lanes.ENABLED);
    }

    /** {@code lanes}: the eight sub-blocks' searches run side by side ({@link Qkx2Lanes}, the same bytes). */
    static void q4_K(float[] x, int xo, byte[] y, int yo, boolean lanes) {
        q4_K(x, xo, 1, y, yo, lanes);
    }

    /** {@code blocks} consecutive Q4_K blocks (1 .. {@link Qkx2Lanes#BLOCKS} share one lane-wise search). */
    static void q4_K(float[] x, int xo, int blocks, byte[] y, int yo, boolean lanes) {
        byte[] L = scalesAndQuantsK4(x, xo, blocks, y, yo, 144, 15, -1f, 20, lanes);
        for (int b = 0; b < blocks; b++) packQuantsQ4K(L, 256 * b, y, yo + 144 * b);
    }

    static void packQuantsQ4K(byte[] L, byte[] y, int yo) {
        packQuantsQ4K(L, 0, y, yo);
    }

    static void packQuantsQ4K(byte[] L, int lo, byte[] y, int yo) {
        // qs[128] @16: byte l of 32-byte chunk c holds value 64c+l (low nibble) and 64c+32+l (high).
        for (int j = lo, q = yo + 16; j < lo + 256; j += 64, q += 32) {
            for (int l = 0; l < 32; l++) y[q + l] = (byte) (L[j + l] | (L[j + l + 32] << 4));
        }
    }

    static void q5_K(float[] x, int xo, byte[] y, int yo) {
        q5_K(x, xo, y, yo, Qkx2Lanes.ENABLED);
    }

    static void q5_K(float[] x, int xo, byte[] y, int yo, boolean lanes) {
        q5_K(x, xo, 1, y, yo, lanes);
    }

    /** {@code blocks} consecutive Q5_K blocks (1 .. {@link Qkx2Lanes#BLOCKS} share one lane-wise search). */
    static void q5_K(float[] x, int xo, int blocks, byte[] y, int yo, boolean lanes) {
        byte[] L = scalesAndQuantsK4(x, xo, blocks, y, yo, 176, 31, -0.5f, 15, lanes);
        for (int b = 0; b < blocks; b++) packQuantsQ5K(b == 0 ? L : java.util.Arrays.copyOfRange(L, 256 * b, 256 * b + 256), y, yo + 176 * b);
    }

    static void packQuantsQ5K(byte[] L, byte[] y, int yo) {
        // qh[32] @16, qs[128] @48.
        int qh = yo + 16;
        for (int j = 0; j < 32; j++) y[qh + j] = 0;
        int m1 = 1, m2 = 2;
        for (int n = 0, ql = yo + 48; n < 256; n += 64, ql += 32) {
            for (int j = 0; j < 32; j++) {
                int l1 = L[n + j];
                if (l1 > 15) {
                    l1 -= 16;
                    y[qh + j] |= (byte) m1;
                }
                int l2 = L[n + j + 32];
                if (l2 > 15) {
                    l2 -= 16;
                    y[qh + j] |= (byte) m2;
                }
                y[ql + j] = (byte) (l1 | (l2 << 4));
            }
            m1 <<= 2;
            m2 <<= 2;
        }
    }

    static void q6_K(float[] x, int xo, byte[] y, int yo) {
        q6_K(x, xo, y, yo, null, 0);
    }

    /** quantize_row_q6_K_ref, or quantize_row_q6_K_impl when importance weights qw[qo .. qo+256) are given (the only difference). */
    static void q6_K(float[] x, int xo, byte[] y, int yo, float[] qw, int qo) {
        q6_K(x, xo, y, yo, qw, qo, QxLanes.ENABLED);
    }

    /** {@code lanes}: the sub-blocks' scale searches run side by side in vector lanes ({@link QxLanes}, the same bytes). */
    static void q6_K(float[] x, int xo, byte[] y, int yo, float[] qw, int qo, boolean lanes) {
        QxLanes.Scratch scratch = lanes ? QxLanes.SCRATCH.get() : null;
        byte[] L = lanes ? scratch.codes : new byte[256]; // fully written below
        float[] scales = lanes ? scratch.scales : new float[16];
        float maxScale = 0, maxAbsScale = 0;
        // the lanes keep their codes (read back only where a scale rounds to 0); the scalar search writes L
        QxLanes.Scratch kept = lanes ? QxLanes.searchKeepingCodes(scratch, x, xo, qw, qo, scales) : null;
        if (kept == null) {
            QxLanes.scalarSearch(x, xo, qw, qo, L, scales);
        }
        for (int ib = 0; ib < 16; ib++) {
            float scale = scales[ib];
            float abs = Math.abs(scale);
            if (abs > maxAbsScale) {
                maxAbsScale = abs;
                maxScale = scale;
            }
        }
        // Layout: ql[128] @0, qh[64] @128, int8 scales[16] @192, d @208.
        if (maxAbsScale < GROUP_MAX_EPS) {
            for (int i = 0; i < 210; i++) y[yo + i] = 0;
            return;
        }
        float iscale = -128f / maxScale;
        putHalf(y, yo + 208, 1 / iscale);
        for (int ib = 0; ib < 16; ib++) y[yo + 192 + ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
        if (lanes) {
            QxLanes.requantize(x, xo, half(y, yo + 208), y, yo + 192, L, kept);
            packQuantsQ6K(L, y, yo);
            return;
        }
        for (int j = 0; j < 16; j++) {
            float d = half(y, yo + 208) * y[yo + 192 + j];
            if (d == 0) continue;
            for (int ii = 0; ii < 16; ii++) {
                int l = Math.max(-32, Math.min(31, nearestInt(x[xo + 16 * j + ii] / d)));
                L[16 * j + ii] = (byte) (l + 32);
            }
        }
        packQuantsQ6K(L, y, yo);
    }

    /** Q6_K's ql[128] @0 (low nibbles) and qh[64] @128 (high two bits) from L in 0..63. */
    static void packQuantsQ6K(byte[] L, byte[] y, int yo) {
        for (int j = 0, ql = yo, qh = yo + 128; j < 256; j += 128, ql += 64, qh += 32) {
            for (int l = 0; l < 32; l++) {
                int q1 = L[j + l] & 0xF, q2 = L[j + l + 32] & 0xF, q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
                y[ql + l] = (byte) (q1 | (q3 << 4));
                y[ql + l + 32] = (byte) (q2 | (q4 << 4));
                y[qh + l] = (byte) ((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
            }
        }
    }
}
