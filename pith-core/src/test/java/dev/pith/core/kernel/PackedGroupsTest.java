package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every packed generation kernel ({@link Q8_0Groups}, {@link Q4_0Groups}, {@link Q4_KGroups}, {@link Q6_KGroups}) gives
 * the bits of its scalar reference for every row of every shape (whole groups, rows past the last
 * group, rows a thread's range cuts off a group) under 1-3 threads, and for short batches; a tensor
 * with an infinite or NaN scale is not packed and still multiplies; a prompt's Q8_0/Q4_0 and
 * Q4_K/Q6_K panels read from the copy give the file rows' results. The type-specific limits are in
 * each kernel's own test.
 */
class PackedGroupsTest {
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void matvecIsBitIdenticalToTheScalarReferenceForEveryShapeAndThreadCount(DType type) {
        assumeTrue(PackedGroupsChecks.available(type), "needs 512-bit vectors");
        int[][] shapes = type == DType.Q4_0 || type == DType.Q8_0
                ? new int[][] {{32, 32}, {33, 96}, {77, 576}, {96, 2048}, {200, 256}, {576, 576}, {31, 64}}
                : new int[][] {{32, 256}, {33, 512}, {77, 256}, {96, 2048}, {200, 768}, {31, 256}};
        PackedGroupsChecks.everyShapeAndThreadCount(type, shapes);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void shortBatchesGiveTheReferenceBitsForEveryVector(DType type) {
        assumeTrue(PackedGroupsChecks.available(type), "needs 512-bit vectors");
        PackedGroupsChecks.shortBatches(type, 70, type == DType.Q4_0 || type == DType.Q8_0 ? 320 : 512);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void aTensorWithAnInfiniteOrNaNScaleIsNotPackedAndStillMultiplies(DType type) {
        assumeTrue(PackedGroupsChecks.available(type), "needs 512-bit vectors");
        int cols = 256, row = 40;
        // The field of row 40's first block that the kernel widens by moving bits: d (Q4_0, Q6_K) or dmin (Q4_K).
        long field = (long) row * type.bytesFor(cols) + switch (type) {
            case Q8_0, Q4_0 -> 0;
            case Q4_K -> 2;
            default -> 208;
        };
        for (short special : new short[] {(short) 0x7C00, (short) 0xFC00, (short) 0x7E00}) {
            Tensor w = RandomTensors.matrix(type, 64, cols, special);
            w.data().set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), field, special);
            assertThat(PackedGroups.of(type).packed(w)).isNull();
            float[] out = new float[64];
            MatMul.matvec(w, RandomTensors.vector(cols, 4), out);
            assertThat(Float.isFinite(out[row])).as("%s row %d with scale %04x", type, row, special).isFalse();
            assertThat(out[row - 1]).isFinite();
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0"})
    void promptPanelsFromThePackedCopyGiveTheFileRowsResults(DType type) {
        assumeTrue(PackedGroupsChecks.available(type), "needs 512-bit vectors");
        // 100 rows: three whole groups from the copy and 4 rows from the file; 640 columns: two KC blocks and a part.
        int rows = 100, cols = 640, n = 11;
        Tensor w = RandomTensors.matrix(type, rows, cols, 3);
        Activations a = new Activations().prepare(type, RandomTensors.vector(n * cols, 5), n, cols);
        float[] viaFile = new float[n * rows], viaCopy = new float[n * rows];
        PackedGemm.runBlocks(type, w.data(), w.rowBytes(), rows, cols, a, n, viaFile);
        PackedGroups kind = PackedGroups.of(type);
        PackedGemm.runBlocks(type, w.data(), w.rowBytes(), rows, cols, a, n, viaCopy, kind, kind.packed(w));
        assertThat(viaCopy).containsExactly(viaFile);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q4_K", "Q6_K"})
    void kQuantPromptPanelsFromThePackedCopyGiveTheFileRowsResults(DType type) {
        assumeTrue(PackedGroupsChecks.available(type) && KQuantGemm.supports(type), "needs 512-bit vectors");
        // 100 rows: three whole groups from the copy and 4 rows from the file; three super-blocks per row.
        int rows = 100, cols = 768, n = 11;
        Tensor w = RandomTensors.matrix(type, rows, cols, 3);
        Activations a = new Activations().prepare(type, RandomTensors.vector(n * cols, 5), n, cols);
        float[] viaFile = new float[n * rows], viaCopy = new float[n * rows], reference = new float[n * rows];
        KQuantGemm.run(type, w.data(), w.rowBytes(), rows, cols, a, n, viaFile);
        PackedGroups kind = PackedGroups.of(type);
        assertThat(kind.packed(w)).isNotNull();
        KQuantGemm.run(type, w.data(), w.rowBytes(), rows, cols, a, n, viaCopy, kind, kind.packed(w));
        KQuantGemm.reference(type, w.data(), w.rowBytes(), rows, cols, a, n, reference);
        assertThat(viaCopy).containsExactly(viaFile);
        assertThat(viaCopy).containsExactly(reference);
    }
}
