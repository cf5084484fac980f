package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link KQuantTiles#decode} (lane-wise Q4_K / Q6_K decoders where the machine has 16 float lanes)
 * gives exactly the scalar decoders' values, scales and minima.
 */
class KQuantDecodeTest {
    @Test
    void laneWiseDecodersEqualTheScalarOnes() {
        for (DType type : new DType[] {DType.Q4_K, DType.Q6_K}) {
            int cols = 256 * 16;
            Tensor t = RandomTensors.matrix(type, 4, cols, 11 + type.ordinal());
            KQuantTiles.Rows scalar = new KQuantTiles.Rows(cols), lanes = new KQuantTiles.Rows(cols);
            KQuantTiles.decode(type, t.data(), 0, t.rowBytes(), cols, lanes);
            int nb = cols / 256;
            for (int rr = 0; rr < 4; rr++) {
                for (int b = 0; b < nb; b++) {
                    long p = rr * t.rowBytes() + (long) type.blockBytes() * b;
                    if (type == DType.Q4_K) KQuantTiles.decodeQ4K(t.data(), p, scalar, rr * cols + 256 * b, rr * nb + b, false);
                    else KQuantTiles.decodeQ6K(t.data(), p, scalar, rr * cols + 256 * b, rr * nb + b, false);
                }
            }
            assertThat(lanes.w).as(type + " values").isEqualTo(scalar.w);
            assertThat(lanes.d).as(type + " scales").isEqualTo(scalar.d);
            assertThat(lanes.dmin).as(type + " min scales").isEqualTo(scalar.dmin);
            assertThat(lanes.mins).as(type + " minima").isEqualTo(scalar.mins);
        }
    }
}
