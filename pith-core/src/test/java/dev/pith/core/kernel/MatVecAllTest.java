package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link MatMul#matvecAll} (several matrices times one vector in one parallel job, generation's
 * q/k/v and gate/up) gives exactly the bits of {@link MatMul#matvec} on each matrix, for runs that
 * share a job (same activation type: Q4_K with Q6_K, Q8_0 with Q4_0) and matrices that do not.
 */
class MatVecAllTest {
    @Test
    void sharedProductsAreBitIdenticalToOneProductAtATime() {
        int cols = 2048;
        // Row counts as in a Llama block (q 2048-like, k/v a quarter), plus odd counts that put
        // chunk boundaries inside matrices and leave 1-3 rows for the one-row loops.
        DType[][] groups = {
                {DType.Q4_K, DType.Q4_K, DType.Q6_K},
                {DType.Q8_0, DType.Q4_0, DType.Q5_0},
                {DType.F16, DType.F16},
                {DType.F32, DType.Q8_0, DType.Q8_0, DType.F16, DType.Q6_K},
        };
        int[] rows = {517, 130, 131, 67, 5};
        float[] x = RandomTensors.vector(cols, 99);
        for (DType[] types : groups) {
            Tensor[] ws = new Tensor[types.length];
            float[][] shared = new float[types.length][];
            for (int i = 0; i < types.length; i++) {
                ws[i] = RandomTensors.matrix(types[i], rows[i], cols, 31L * i + types[i].ordinal());
                shared[i] = new float[rows[i]];
            }
            MatMul.matvecAll(ws, x, shared);
            for (int i = 0; i < types.length; i++) {
                float[] alone = new float[rows[i]];
                MatMul.matvec(ws[i], x, alone);
                assertThat(shared[i]).as("%s matrix %d of %d", types[i], i, types.length).containsExactly(alone);
            }
        }
    }

    @Test
    void mismatchedOutputsAreRejected() {
        Tensor w = RandomTensors.matrix(DType.Q8_0, 8, 64, 1);
        assertThatThrownBy(() -> MatMul.matvecAll(new Tensor[] {w, w}, new float[64], new float[][] {new float[8]}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MatMul.matvecAll(new Tensor[] {w, w}, new float[64], new float[][] {new float[8], new float[7]}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
