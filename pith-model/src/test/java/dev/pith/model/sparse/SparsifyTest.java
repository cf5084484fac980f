package dev.pith.model.sparse;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Which form the runtime picks for a matrix, from its zeros alone. */
class SparsifyTest {
    private static final int ROWS = 48, COLS = 256;

    @Test
    void denseAndHalfSparseMatricesStayDense() {
        Random rnd = new Random(1);
        assertThat(Sparsify.of(tensor(random(rnd, 0.0)))).isNull();
        // 50 % unstructured: CSR would be as large as dense and slower.
        assertThat(Sparsify.of(tensor(random(rnd, 0.5)))).isNull();
    }

    @Test
    void alwaysTakesASparseFormForAnyMatrixWithZeros() {
        Random rnd = new Random(7);
        float[] half = random(rnd, 0.5);
        SparseWeight w = Sparsify.of(tensor(half), true);
        assertThat(w).isInstanceOf(CsrMatrix.class);
        assertThat(w.toDense()).containsExactly(half);
        assertThat(Sparsify.of(tensor(random(rnd, 0.0)), true)).as("no zeros at all").isNull();
    }

    @Test
    void highSparsityBecomesCsr() {
        float[] d = random(new Random(2), 0.9);
        SparseWeight w = Sparsify.of(tensor(d));
        assertThat(w).isInstanceOf(CsrMatrix.class);
        assertThat(w.toDense()).containsExactly(d);
        assertThat(w.byteSize()).isLessThan(4L * ROWS * COLS / 3);
    }

    @Test
    void nmPatternsBecomeCompactNm() {
        float[] d24 = SparseMatMulTest.nmPruned(new Random(3), ROWS, COLS, 2, 4);
        SparseWeight w24 = Sparsify.of(tensor(d24));
        assertThat(w24).isInstanceOf(NmMatrix.class);
        assertThat(((NmMatrix) w24).n()).isEqualTo(2);
        assertThat(((NmMatrix) w24).m()).isEqualTo(4);
        assertThat(w24.toDense()).containsExactly(d24);
        assertThat(w24.byteSize()).isEqualTo(4L * ROWS * COLS * 5 / 8 + 4L * COLS / 2);   // 0.625 of dense F32, plus one row's group starts

        float[] d48 = SparseMatMulTest.nmPruned(new Random(4), ROWS, COLS, 4, 8);
        SparseWeight w48 = Sparsify.of(tensor(d48));
        assertThat(w48).isInstanceOf(NmMatrix.class);
        assertThat(((NmMatrix) w48).m()).isEqualTo(8);
        assertThat(w48.toDense()).containsExactly(d48);
    }

    @Test
    void quantizedOrF16MatricesAreReadThroughTheirType() {
        float[] d24 = SparseMatMulTest.nmPruned(new Random(5), ROWS, COLS, 2, 4);
        MemorySegment seg = MemorySegment.ofArray(new short[d24.length]);
        for (int i = 0; i < d24.length; i++) seg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(d24[i]));
        SparseWeight w = Sparsify.of(new Tensor("w", DType.F16, new long[] {COLS, ROWS}, seg));
        assertThat(w).isInstanceOf(NmMatrix.class);
        float[] back = w.toDense();
        for (int i = 0; i < d24.length; i++) assertThat(back[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(d24[i])));
    }

    private static float[] random(Random rnd, double sparsity) {
        float[] d = new float[ROWS * COLS];
        for (int i = 0; i < d.length; i++) d[i] = rnd.nextDouble() < sparsity ? 0 : (float) rnd.nextGaussian();
        return d;
    }

    static Tensor tensor(float[] d) {
        return new Tensor("w", DType.F32, new long[] {COLS, ROWS}, MemorySegment.ofArray(d.clone()));
    }
}
