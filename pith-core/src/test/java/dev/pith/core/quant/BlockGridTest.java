package dev.pith.core.quant;

import dev.pith.core.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** BlockGrid's values are exactly what the dequantizer reads back from packed codes, for every block type. */
class BlockGridTest {
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void packedCodesDequantizeToTheGridValues(DType t) {
        SplittableRandom rng = new SplittableRandom(t.ordinal());
        int n = t.blockSize() * 3;
        for (int trial = 0; trial < 20; trial++) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = (float) (rng.nextGaussian() * Math.exp(rng.nextGaussian()));
            byte[] y = Quantizer.quantize(t, x, n);
            int[][] codes = new int[3][t.blockSize()];
            float[] expected = new float[n];
            for (int b = 0; b < 3; b++) {
                for (int i = 0; i < t.blockSize(); i++) {
                    // half the codes random, half the nearest to a value: both must read back exactly
                    int q = rng.nextBoolean() ? rng.nextInt(BlockGrid.minCode(t), BlockGrid.maxCode(t) + 1)
                            : BlockGrid.nearest(t, y, b * t.blockBytes(), i, x[b * t.blockSize() + i]);
                    codes[b][i] = q;
                    expected[b * t.blockSize() + i] = BlockGrid.value(t, y, b * t.blockBytes(), i, q);
                }
                BlockGrid.pack(t, codes[b], y, b * t.blockBytes());
            }
            float[] back = new float[n];
            Dequantizer.dequantize(t, MemorySegment.ofArray(y), 0, back, 0, n);
            assertThat(back).containsExactly(expected);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void nearestIsNoWorseThanAnyOtherCode(DType t) {
        SplittableRandom rng = new SplittableRandom(100 + t.ordinal());
        int n = t.blockSize();
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rng.nextGaussian();
        byte[] y = Quantizer.quantize(t, x, n);
        for (int i = 0; i < n; i++) {
            float v = x[i] + (float) rng.nextGaussian() * 0.1f;
            float best = Math.abs(v - BlockGrid.value(t, y, 0, i, BlockGrid.nearest(t, y, 0, i, v)));
            for (int q = BlockGrid.minCode(t); q <= BlockGrid.maxCode(t); q++) {
                assertThat(best).isLessThanOrEqualTo(Math.abs(v - BlockGrid.value(t, y, 0, i, q)));
            }
        }
    }
}
