package dev.pith.model.hf;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class RopePermutationTest {
    @Test
    void biasVectorsAreReorderedLikeRowsAndTheInverseRestoresThem() {
        // 2 heads of width 6: HF order per head is [x0 x1 x2 | y0 y1 y2], GGUF's is [x0 y0 x1 y1 x2 y2].
        float[] hf = {0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112};
        Tensor t = new Tensor("b", DType.F32, new long[] {12}, MemorySegment.ofArray(hf));
        Tensor g = RopePermutation.toGguf(t, 2);
        float[] gguf = g.data().toArray(ValueLayout.JAVA_FLOAT);
        assertThat(gguf).containsExactly(0, 10, 1, 11, 2, 12, 100, 110, 101, 111, 102, 112);
        assertThat(RopePermutation.toHf(g, 2).data().mismatch(t.data())).isEqualTo(-1L);
    }

    @Test
    void attentionScoresAreTheSameUnderEitherRopeConvention() {
        // q·k after RoPE with HF's rotate_half on HF rows equals q·k after adjacent-pair RoPE on GGUF rows.
        int heads = 3, d = 8, cols = 5;
        Random rnd = new Random(3);
        float[] wq = new float[heads * d * cols], wk = new float[heads * d * cols], x = new float[cols];
        for (int i = 0; i < wq.length; i++) { wq[i] = (float) rnd.nextGaussian(); wk[i] = (float) rnd.nextGaussian(); }
        for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextGaussian();
        Tensor q = new Tensor("q", DType.F32, new long[] {cols, heads * d}, MemorySegment.ofArray(wq));
        Tensor k = new Tensor("k", DType.F32, new long[] {cols, heads * d}, MemorySegment.ofArray(wk));
        float[] qHf = rope(matvec(q, x), heads, d, 5, true), kHf = rope(matvec(k, x), heads, d, 2, true);
        float[] qG = rope(matvec(RopePermutation.toGguf(q, heads), x), heads, d, 5, false);
        float[] kG = rope(matvec(RopePermutation.toGguf(k, heads), x), heads, d, 2, false);
        for (int h = 0; h < heads; h++) {
            double sHf = 0, sG = 0;
            for (int i = 0; i < d; i++) { sHf += qHf[h * d + i] * kHf[h * d + i]; sG += qG[h * d + i] * kG[h * d + i]; }
            assertThat(sG).isCloseTo(sHf, org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(sHf))));
        }
    }

    private static float[] matvec(Tensor w, float[] x) {
        float[] out = new float[w.rows()];
        for (int r = 0; r < w.rows(); r++)
            for (int c = 0; c < w.cols(); c++) out[r] += w.data().getAtIndex(ValueLayout.JAVA_FLOAT, (long) r * w.cols() + c) * x[c];
        return out;
    }

    private static float[] rope(float[] v, int heads, int d, int pos, boolean neox) {
        float[] out = v.clone();
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < d / 2; i++) {
                double theta = pos * Math.pow(10000, -2.0 * i / d);
                int a = h * d + (neox ? i : 2 * i), b = h * d + (neox ? i + d / 2 : 2 * i + 1);
                out[a] = (float) (v[a] * Math.cos(theta) - v[b] * Math.sin(theta));
                out[b] = (float) (v[a] * Math.sin(theta) + v[b] * Math.cos(theta));
            }
        return out;
    }
}
