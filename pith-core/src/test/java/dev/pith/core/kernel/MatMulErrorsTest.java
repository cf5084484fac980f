package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MatMulErrorsTest {
    @Test
    void unsupportedWeightTypeIsAUserError() {
        Tensor w = new Tensor("blk.0.ffn_up.weight", DType.I8, new long[] {32, 2}, MemorySegment.ofArray(new byte[64]));
        assertThatThrownBy(() -> MatMul.matvec(w, new float[32], new float[2]))
                .isInstanceOf(PithException.class).hasMessageContaining("blk.0.ffn_up.weight").hasMessageContaining("I8");
    }

    @Test
    void shortInputsOrOutputsAreRejected() {
        Tensor w = RandomTensors.matrix(DType.Q8_0, 3, 64, 1);
        assertThatThrownBy(() -> MatMul.matvec(w, new float[63], new float[3])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MatMul.matvec(w, new float[64], new float[2])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MatMul.matmul(w, new float[64], 2, new float[6])).isInstanceOf(IllegalArgumentException.class);
    }
}
