package dev.pith.core.quant;

import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DequantizerTest {
    @Test
    void unsupportedTypesAreAUserError() {
        Tensor t = new Tensor("blk.0.weird", DType.I32, new long[] {4}, MemorySegment.ofArray(new byte[16]));
        assertThatThrownBy(() -> Dequantizer.dequantize(t)).isInstanceOf(PithException.class).hasMessageContaining("I32");
    }

    @Test
    void partialBlocksAreRejected() {
        assertThatThrownBy(() -> Dequantizer.dequantize(DType.Q4_0, MemorySegment.ofArray(new byte[18]), 0, new float[16], 0, 16))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void q8_0BlockByHand() {
        // d = 0.5 (fp16 0x3800), quants 0, 1, -2, 127, -128, ...
        byte[] b = new byte[34];
        b[0] = 0x00;
        b[1] = 0x38;
        b[3] = 1;
        b[4] = -2;
        b[5] = 127;
        b[6] = -128;
        float[] out = new float[32];
        Dequantizer.dequantize(DType.Q8_0, MemorySegment.ofArray(b), 0, out, 0, 32);
        assertThat(new float[] {out[0], out[1], out[2], out[3], out[4]}).containsExactly(0f, 0.5f, -1f, 63.5f, -64f);
    }

    @Test
    void q4_0BlockByHand() {
        // d = 2 (fp16 0x4000); byte j holds value j (low nibble) and value j+16 (high nibble), minus 8.
        byte[] b = new byte[18];
        b[1] = 0x40;
        b[2] = (byte) 0xF0;  // value 0 = 0-8, value 16 = 15-8
        b[3] = (byte) 0x89;  // value 1 = 9-8, value 17 = 8-8
        float[] out = new float[32];
        Dequantizer.dequantize(DType.Q4_0, MemorySegment.ofArray(b), 0, out, 0, 32);
        assertThat(new float[] {out[0], out[16], out[1], out[17], out[2]}).containsExactly(-16f, 14f, 2f, 0f, -16f);
    }
}
