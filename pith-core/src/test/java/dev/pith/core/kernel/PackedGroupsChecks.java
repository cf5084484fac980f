package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;

import static org.assertj.core.api.Assertions.assertThat;

/** The checks the packed-group kernel tests share: products against the scalar reference, bit for bit, over shapes and thread counts. */
final class PackedGroupsChecks {
    private PackedGroupsChecks() {}

    /** Whether type has a packed kernel on this machine (512-bit vectors). */
    static boolean available(DType type) {
        return PackedGroups.of(type) != null;
    }

    /** For 1, 2 and 3 threads and every {rows, cols} shape: a random matrix times a random vector gives the reference's bits; packed exactly when rows ≥ 32. */
    static void everyShapeAndThreadCount(DType type, int[][] shapes) {
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                for (int[] shape : shapes) {
                    int rows = shape[0], cols = shape[1];
                    Tensor w = RandomTensors.matrix(type, rows, cols, rows * 131L + cols);
                    float[] x = RandomTensors.vector(cols, cols + 7L * rows);
                    matchesReference(w, x, 1, "threads=" + threads + " rows=" + rows + " cols=" + cols);
                    assertThat(PackedGroups.of(type).packed(w) != null).as("packed with %d rows", rows).isEqualTo(rows >= 32);
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** Batches of 2, 3 and 7 vectors give the reference's bits for every vector. */
    static void shortBatches(DType type, int rows, int cols) {
        for (int n : new int[] {2, 3, 7}) {
            Tensor w = RandomTensors.matrix(type, rows, cols, n);
            matchesReference(w, RandomTensors.vector(n * cols, 50 + n), n, n + " vectors");
        }
    }

    /** w times the n vectors of x through MatMul equals MatMulScalar's result bit for bit. */
    static void matchesReference(Tensor w, float[] x, int n, String what) {
        float[] fast = new float[n * w.rows()], ref = new float[n * w.rows()];
        MatMul.matmul(w, x, n, fast);
        MatMulScalar.matmul(w, x, n, ref);
        for (int i = 0; i < fast.length; i++) {
            assertThat(Float.floatToRawIntBits(fast[i])).as("%s output %d: %s vs %s", what, i, fast[i], ref[i]).isEqualTo(Float.floatToRawIntBits(ref[i]));
        }
    }
}
