package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The generation kernels of {@link DecodeRows} give exactly the bits of {@link DotVector}'s row
 * kernels (four-row F32 and F16; Q8_0, Q4_K, Q6_K from copied rows), and F32 and F16 agree with the scalar twin {@link DotScalar}.
 */
class DecodeRowsTest {
    @Test
    void fourRowF16KernelIsBitIdenticalToTheOneRowKernel() {
        // Column counts: below one chunk, several chunks with a short last one, and a scalar tail;
        // row counts that leave 1-3 rows for the one-row loop.
        int[][] shapes = {{7, 96}, {9, 2048}, {6, 2048 + 7}, {11, 1000}, {4, 512}};
        for (int[] shape : shapes) {
            int rows = shape[0], cols = shape[1];
            Tensor w = halves(rows, cols, rows * 31L + cols);
            float[] x = RandomTensors.vector(cols, cols);
            for (int i = 0; i < cols; i++) x[i] = Float.float16ToFloat(Float.floatToFloat16(x[i])); // as Activations rounds them
            float[] four = new float[rows];
            DecodeRows.f16(w.data(), w.rowBytes(), 0, rows, x, cols, four);
            Activations a = new Activations().prepare(DType.F16, x, 1, cols);
            for (int r = 0; r < rows; r++) {
                float one = DotVector.f16(w.data(), r * w.rowBytes(), x, 0, cols);
                assertThat(four[r]).as("rows=%d cols=%d row %d", rows, cols, r).isEqualTo(one);
                float scalar = DotScalar.dot(DType.F16, w.data(), r * w.rowBytes(), a, 0, cols);
                double mag = 0;
                for (int i = 0; i < cols; i++) mag += Math.abs(Float.float16ToFloat(w.data().get(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * (r * cols + i))) * x[i]);
                assertThat((double) four[r]).isCloseTo(scalar, org.assertj.core.api.Assertions.within(2e-6 * mag + 1e-6));
            }
        }
    }

    @Test
    void fourRowF32KernelIsBitIdenticalToTheOneRowKernel() {
        // Column counts with and without a scalar tail; row counts that leave 1-3 rows for the one-row loop.
        int[][] shapes = {{7, 96}, {9, 2048}, {6, 2048 + 7}, {11, 1000}, {4, 16}, {3, 5}};
        for (int[] shape : shapes) {
            int rows = shape[0], cols = shape[1];
            Tensor w = RandomTensors.matrix(DType.F32, rows, cols, rows * 17L + cols);
            float[] x = RandomTensors.vector(cols, cols + 3);
            float[] four = new float[rows];
            DecodeRows.f32(w.data(), w.rowBytes(), 0, rows, x, cols, four);
            float[] viaMatMul = new float[rows];
            MatMul.matvec(w, x, viaMatMul);
            Activations a = new Activations().prepare(DType.F32, x, 1, cols);
            for (int r = 0; r < rows; r++) {
                float one = DotVector.f32(w.data(), r * w.rowBytes(), x, 0, cols);
                assertThat(four[r]).as("rows=%d cols=%d row %d", rows, cols, r).isEqualTo(one);
                assertThat(viaMatMul[r]).as("rows=%d cols=%d row %d via MatMul", rows, cols, r).isEqualTo(one);
                float scalar = DotScalar.dot(DType.F32, w.data(), r * w.rowBytes(), a, 0, cols);
                double mag = 0;
                for (int i = 0; i < cols; i++) mag += Math.abs(w.data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, (long) r * cols + i) * x[i]);
                assertThat((double) four[r]).isCloseTo(scalar, org.assertj.core.api.Assertions.within(2e-6 * mag + 1e-6));
            }
        }
    }

    @Test
    void f16RowsWithInfinitiesOrNaNsGiveWhatTheExactWideningGives() {
        // The four-row kernel's bit trick turns halves with the all-ones exponent into finite floats;
        // rows holding one must still come out infinite or NaN, as the exact widening makes them.
        int rows = 8, cols = 256;
        short[] specials = {(short) 0x7C00, (short) 0xFC00, (short) 0x7E00, (short) 0xFE01};
        for (short special : specials) {
            Tensor w = halves(rows, cols, special);
            w.data().set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * (5 * cols + 37), special);
            float[] x = RandomTensors.vector(cols, 9);
            for (int i = 0; i < cols; i++) x[i] = Float.float16ToFloat(Float.floatToFloat16(x[i]));
            float[] four = new float[rows];
            DecodeRows.f16(w.data(), w.rowBytes(), 0, rows, x, cols, four);
            for (int r = 0; r < rows; r++) {
                float one = DotVector.f16(w.data(), r * w.rowBytes(), x, 0, cols);
                assertThat(Float.floatToRawIntBits(four[r])).as("special %04x row %d", special, r).isEqualTo(Float.floatToRawIntBits(one));
            }
            assertThat(Float.isFinite(four[5])).isFalse();
        }
    }

    @Test
    void uncheckedF16RowsKeepTheBitsOfTheCheckedOnes() {
        for (int[] shape : new int[][] {{9, 2048}, {6, 2048 + 7}, {4, 512}}) {
            int rows = shape[0], cols = shape[1];
            Tensor w = halves(rows, cols, rows * 13L + cols);
            float[] x = RandomTensors.vector(cols, cols + 5);
            for (int i = 0; i < cols; i++) x[i] = Float.float16ToFloat(Float.floatToFloat16(x[i]));
            float[] checked = new float[rows], unchecked = new float[rows];
            DecodeRows.f16(w.data(), w.rowBytes(), 0, rows, x, cols, checked, false);
            DecodeRows.f16(w.data(), w.rowBytes(), 0, rows, x, cols, unchecked, true);
            assertThat(unchecked).isEqualTo(checked);
        }
    }

    @Test
    void theScanFindsEveryInfinityOrNaNAndNothingElse() {
        int rows = 5, cols = 2048 + 7; // a vector part and a scalar tail per row
        assertThat(HalfSpecials.none(halves(rows, cols, 3))).isTrue();
        assertThat(HalfSpecials.none(RandomTensors.matrix(DType.F32, 4, 64, 1))).isFalse(); // not halves: nothing to skip
        short[] specials = {(short) 0x7C00, (short) 0xFC00, (short) 0x7E00, (short) 0xFE01, (short) 0x7FFF};
        long[] places = {0, 37, cols - 1, 2L * cols + 2047, (long) rows * cols - 1};
        for (short special : specials) {
            for (long at : places) {
                Tensor w = halves(rows, cols, 3);
                w.data().set(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * at, special);
                assertThat(HalfSpecials.none(w)).as("%04x at %d", special, at).isFalse();
                assertThat(HalfSpecials.any(w.data(), 0, (long) rows * cols)).isTrue();
                assertThat(HalfSpecials.any(w.data(), at + 1, (long) rows * cols)).isFalse();
            }
        }
    }

    @Test
    void matvecOnAnF16MatrixWithAnInfinityStillGivesTheExactWidening() {
        Tensor w = halves(64, 1024, 8);
        w.data().set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * (17 * 1024 + 900), (short) 0x7C00);
        float[] x = RandomTensors.vector(1024, 4);
        float[] out = new float[64];
        MatMul.matvec(w, x, out);
        Activations a = new Activations().prepare(DType.F16, x, 1, 1024);
        for (int r = 0; r < 64; r++) {
            assertThat(Float.floatToRawIntBits(out[r])).as("row %d", r).isEqualTo(Float.floatToRawIntBits(DotVector.f16(w.data(), r * w.rowBytes(), a.values, 0, 1024)));
        }
        assertThat(Float.isFinite(out[17])).isFalse();
    }

    @Test
    void matvecOnF16UsesTheFourRowKernelAndKeepsItsBits() {
        Tensor w = halves(301, 1024, 5);
        float[] x = RandomTensors.vector(1024, 6);
        float[] viaMatMul = new float[301];
        MatMul.matvec(w, x, viaMatMul);
        Activations a = new Activations().prepare(DType.F16, x, 1, 1024);
        for (int r = 0; r < 301; r++) {
            assertThat(viaMatMul[r]).as("row %d", r).isEqualTo(DotVector.f16(w.data(), r * w.rowBytes(), a.values, 0, 1024));
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_K", "Q6_K"})
    void copiedRowKernelsAreBitIdenticalToTheSegmentKernels(DType type) {
        // 9 rows: two groups of four and a single row; several column counts (one and many blocks).
        for (int cols : new int[] {256, 2048, 2816}) {
            Tensor w = RandomTensors.matrix(type, 9, cols, cols);
            float[] x = RandomTensors.vector(cols, cols + 1);
            float[] viaMatMul = new float[9];
            MatMul.matvec(w, x, viaMatMul);
            Activations a = new Activations().prepare(type, x, 1, cols);
            float[] copied = new float[9];
            DecodeRows.run(type, w.data(), w.rowBytes(), 0, 9, a, cols, copied);
            for (int r = 0; r < 9; r++) {
                float one = DotVector.dot(type, w.data(), r * w.rowBytes(), a, 0, cols);
                assertThat(copied[r]).as("%s cols=%d row %d", type, cols, r).isEqualTo(one);
                // Q4_K and Q6_K generation goes through Q4_KGroups / Q6_KGroups, which have the scalar reference's bits instead.
                boolean grouped = PackedGroups.of(type) != null;
                float expected = grouped ? DotScalar.dot(type, w.data(), r * w.rowBytes(), a, 0, cols) : one;
                assertThat(viaMatMul[r]).as("%s cols=%d row %d via MatMul", type, cols, r).isEqualTo(expected);
            }
        }
    }

    /** Random finite halves of every magnitude, subnormals and zeros of both signs included. */
    private static Tensor halves(int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        MemorySegment seg = Arena.ofAuto().allocate(2L * rows * cols, 64);
        for (long i = 0; i < (long) rows * cols; i++) {
            short h;
            do {
                h = (short) rnd.nextInt(1 << 16);
            } while ((h & 0x7C00) == 0x7C00); // no infinities or NaNs
            seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * i, h);
        }
        return new Tensor("halves", DType.F16, new long[] {cols, rows}, seg);
    }
}
