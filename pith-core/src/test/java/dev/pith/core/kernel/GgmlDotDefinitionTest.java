package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.quant.ActivationQuantizer;
import dev.pith.core.quant.Bytes;
import dev.pith.core.quant.KScales;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * matvec on quantized weights equals the definition of llama.cpp's CPU dot product, evaluated
 * here straightforwardly in double: quantize x to the weight type's vec_dot_type, then per block
 * {@code d_w * d_x * sum(q_w * q_x)}, minus {@code d_x * sum(min_i * q_x)} for K-quants with mins,
 * plus {@code m_w * s_x} for Q4_1/Q5_1 (with Q8_1's fp16-rounded s).
 *
 * <p>Weights are decoded here element by element, independently of the kernels' block loops:
 * value i = scale(i) * quant(i) - min(i).
 */
class GgmlDotDefinitionTest {

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void matvecEqualsQuantizeThenIntegerDotPerBlock(DType type) {
        int rows = 23, cols = 1024;
        Tensor w = RandomTensors.matrix(type, rows, cols, 42);
        float[] x = RandomTensors.vector(cols, 43);
        x[5] = 0f;
        for (int i = 256; i < 512; i++) x[i] = 0f; // an all-zero block: d = 0 paths
        float[] vec = new float[rows], scalar = new float[rows];
        MatMul.matvec(w, x, vec);
        MatMulScalar.matvec(w, x, scalar);
        for (int r = 0; r < rows; r++) {
            double[] def = definition(w, r, x);
            assertThat((double) vec[r]).as("%s row %d, vectorised", type, r).isCloseTo(def[0], within(2e-6 * def[1] + 1e-6));
            assertThat((double) scalar[r]).as("%s row %d, scalar", type, r).isCloseTo(def[0], within(2e-6 * def[1] + 1e-6));
        }
    }

    /** {the dot product, the sum of the magnitudes of its terms}. */
    static double[] definition(Tensor w, int row, float[] x) {
        DType type = w.type();
        int cols = w.cols();
        DType act = ActivationQuantizer.vecDotType(type);
        byte[] qx = new byte[cols];
        float[] dx = new float[cols / 32];
        float[] sx = new float[cols / 32];
        short[] bsums = new short[cols / 16];
        switch (act) {
            case Q8_0 -> ActivationQuantizer.q8_0(x, 0, cols, qx, 0, dx, 0);
            case Q8_1 -> ActivationQuantizer.q8_1(x, 0, cols, qx, 0, dx, sx, 0);
            case Q8_K -> ActivationQuantizer.q8_K(x, 0, cols, qx, 0, dx, 0, bsums, 0);
            default -> throw new IllegalArgumentException();
        }
        MemorySegment s = w.data();
        int bs = type.blockSize();
        double sum = 0, mag = 0;
        for (int b = 0; b < cols / bs; b++) {
            long o = row * w.rowBytes() + (long) b * type.blockBytes();
            double dxb = dx[act == DType.Q8_K ? b : b];
            for (int i = 0; i < bs; i++) {
                double xi = qx[b * bs + i];
                double term = (scale(type, s, o, i) * quant(type, s, o, i) - min(type, s, o, i)) * xi * dxb;
                sum += term;
                mag += Math.abs(term);
            }
            if (type == DType.Q4_1 || type == DType.Q5_1) {
                double term = (double) Bytes.f16(s, o + 2) * sx[b];
                sum += term;
                mag += Math.abs(term);
            }
        }
        return new double[] {sum, mag};
    }

    /** The integer quant of value i of the block at o. */
    static int quant(DType type, MemorySegment s, long o, int i) {
        return switch (type) {
            case Q8_0 -> Bytes.i8(s, o + 2 + i);
            case Q4_0 -> nibble(s, o + 2, i) - 8;
            case Q4_1 -> nibble(s, o + 4, i);
            case Q5_0 -> (nibble(s, o + 6, i) | (((Bytes.i32(s, o + 2) >>> i) & 1) << 4)) - 16;
            case Q5_1 -> nibble(s, o + 8, i) | (((Bytes.i32(s, o + 4) >>> i) & 1) << 4);
            case Q2_K -> (Bytes.u8(s, o + 16 + 32 * (i / 128) + 16 * ((i % 32) / 16) + i % 16) >>> (2 * ((i % 128) / 32))) & 3;
            case Q3_K -> {
                int pos = 16 * ((i % 32) / 16) + i % 16;
                int low = (Bytes.u8(s, o + 32 + 32 * (i / 128) + pos) >>> (2 * ((i % 128) / 32))) & 3;
                int bit = (Bytes.u8(s, o + pos) >>> (i / 32)) & 1;
                yield low - (bit == 1 ? 0 : 4);
            }
            case Q4_K -> (Bytes.u8(s, o + 16 + 32 * (i / 64) + i % 32) >>> (4 * ((i / 32) % 2))) & 0xF;
            case Q5_K -> ((Bytes.u8(s, o + 48 + 32 * (i / 64) + i % 32) >>> (4 * ((i / 32) % 2))) & 0xF)
                    | (((Bytes.u8(s, o + 16 + i % 32) >>> (i / 32)) & 1) << 4);
            case Q6_K -> {
                int k = (i % 128) / 32, l = i % 32, n = i / 128;
                int low = (Bytes.u8(s, o + 64 * n + 32 * (k % 2) + l) >>> (4 * (k / 2))) & 0xF;
                int high = (Bytes.u8(s, o + 128 + 32 * n + l) >>> (2 * k)) & 3;
                yield (low | (high << 4)) - 32;
            }
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    /** The multiplier of quant i: d for 32-blocks, d times the sub-block scale for K-quants. */
    static double scale(DType type, MemorySegment s, long o, int i) {
        return switch (type) {
            case Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 -> Bytes.f16(s, o);
            case Q2_K -> (double) Bytes.f16(s, o + 80) * (Bytes.u8(s, o + i / 16) & 0xF);
            case Q3_K -> (double) Bytes.f16(s, o + 108) * KScales.scaleQ3K(s, o + 96, i / 16);
            case Q4_K, Q5_K -> (double) Bytes.f16(s, o) * KScales.scaleK4(s, o + 4, i / 32);
            case Q6_K -> (double) Bytes.f16(s, o + 208) * Bytes.i8(s, o + 192 + i / 16);
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    /** The subtracted min of value i (K-quants with mins; Q4_1/Q5_1 mins enter through Q8_1's s). */
    static double min(DType type, MemorySegment s, long o, int i) {
        return switch (type) {
            case Q2_K -> (double) Bytes.f16(s, o + 82) * (Bytes.u8(s, o + i / 16) >>> 4);
            case Q4_K, Q5_K -> (double) Bytes.f16(s, o + 2) * KScales.minK4(s, o + 4, i / 32);
            default -> 0;
        };
    }

    private static int nibble(MemorySegment s, long qs, int i) {
        return i < 16 ? Bytes.u8(s, qs + i) & 0xF : Bytes.u8(s, qs + i - 16) >>> 4;
    }
}
