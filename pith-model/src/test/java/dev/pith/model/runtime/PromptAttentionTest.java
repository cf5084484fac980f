package dev.pith.model.runtime;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The prompt attention (tokens in lanes) equals its scalar twin bit for bit, and agrees with the
 * plain per-token attention (scores, softmax in double, weighted sum) within float rounding.
 */
class PromptAttentionTest {
    private static final int B = PromptAttention.B;

    private static float[] random(int n, long seed, float scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return a;
    }

    private record Case(int headDim, int heads, int kvHeads, int pos, int n, boolean half) {}

    private static final Case[] CASES = {
            new Case(64, 9, 3, 0, 37, false),      // smollm2-like head, a prompt from position 0, a partial last block
            new Case(64, 4, 1, 5, B, false),       // one full block after five cached positions
            new Case(128, 2, 2, 3, 21, false),     // a 128-dimension head
            new Case(64, 2, 1, 0, 3, false),       // fewer tokens than a block
            new Case(64, 4, 2, 11, 2 * B + 1, true), // F16 cache: queries and probabilities rounded to half
    };

    @Test
    void vectorEqualsScalarTwinBitForBit() {
        for (Case c : CASES) {
            int qDim = c.heads * c.headDim, kvDim = c.kvHeads * c.headDim, total = c.pos + c.n, group = c.heads / c.kvHeads;
            float[] q = random(c.n * qDim, 1 + c.n, 2f), kc = random(total * kvDim, 2 + c.n, 1.5f), vc = random(total * kvDim, 3 + c.n, 1f);
            if (c.half) for (int i = 0; i < kc.length; i++) { kc[i] = Ops.toHalf(kc[i]); vc[i] = Ops.toHalf(vc[i]); }
            float[] vec = new float[c.n * qDim], ref = new float[c.n * qDim];
            PromptAttention.Scratch s = PromptAttention.Scratch.get(total, c.headDim);
            for (int h = 0; h < c.heads; h++) {
                for (int i0 = 0; i0 < c.n; i0 += B) {
                    int m = Math.min(B, c.n - i0), kvOff = (h / group) * c.headDim;
                    PromptAttention.block(q, qDim, h, c.headDim, i0, m, c.pos, kc, vc, kvDim, kvOff, c.half, vec, s);
                    PromptAttention.blockScalar(q, qDim, h, c.headDim, i0, m, c.pos, kc, vc, kvDim, kvOff, c.half, ref);
                }
            }
            assertThat(vec).as("%s", c).containsExactly(ref);
            assertThat(vec).as("%s: every output written", c).doesNotContain(Float.NaN);
        }
    }

    @Test
    void agreesWithPlainAttentionWithinRounding() {
        for (Case c : CASES) {
            if (c.half) continue;
            int qDim = c.heads * c.headDim, kvDim = c.kvHeads * c.headDim, total = c.pos + c.n, group = c.heads / c.kvHeads;
            float[] q = random(c.n * qDim, 7 + c.n, 2f), kc = random(total * kvDim, 8 + c.n, 1.5f), vc = random(total * kvDim, 9 + c.n, 1f);
            float[] vec = new float[c.n * qDim];
            PromptAttention.Scratch s = PromptAttention.Scratch.get(total, c.headDim);
            for (int h = 0; h < c.heads; h++) {
                for (int i0 = 0; i0 < c.n; i0 += B) {
                    PromptAttention.block(q, qDim, h, c.headDim, i0, Math.min(B, c.n - i0), c.pos, kc, vc, kvDim, (h / group) * c.headDim, false, vec, s);
                }
            }
            double scale = 1.0 / Math.sqrt(c.headDim);
            for (int i = 0; i < c.n; i++) {
                for (int h = 0; h < c.heads; h++) {
                    int len = c.pos + i + 1, kvOff = (h / group) * c.headDim, qb = i * qDim + h * c.headDim;
                    double[] p = new double[len];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int t = 0; t < len; t++) {
                        double a = 0;
                        for (int d = 0; d < c.headDim; d++) a += (double) q[qb + d] * kc[t * kvDim + kvOff + d];
                        p[t] = a * scale;
                        max = Math.max(max, p[t]);
                    }
                    for (int t = 0; t < len; t++) sum += p[t] = Math.exp(p[t] - max);
                    for (int d = 0; d < c.headDim; d++) {
                        double o = 0;
                        for (int t = 0; t < len; t++) o += p[t] / sum * vc[t * kvDim + kvOff + d];
                        assertThat(vec[qb + d]).as("%s token %d head %d dim %d", c, i, h, d).isCloseTo((float) o, within(2e-5f));
                    }
                }
            }
        }
    }
}
