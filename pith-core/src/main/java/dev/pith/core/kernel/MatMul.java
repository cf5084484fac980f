package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Interim F32/F16 matrix products so the runtime can be built and tested; the quantized,
 * vectorised kernels replace this class.
 */
public final class MatMul {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private MatMul() {}

    public static void matvec(Tensor w, float[] x, float[] out) { matmul(w, x, 1, out); }

    public static void matmul(Tensor w, float[] x, int n, float[] out) {
        int rows = w.rows(), cols = w.cols();
        Parallel.forRange(rows, 16, (from, to) -> {
            float[] row = new float[cols];
            for (int r = from; r < to; r++) {
                getRow(w, r, row, 0);
                for (int t = 0; t < n; t++) {
                    float s = 0;
                    for (int c = 0; c < cols; c++) s += row[c] * x[t * cols + c];
                    out[t * rows + r] = s;
                }
            }
        });
    }

    public static void getRow(Tensor t, int row, float[] dst, int off) {
        int cols = t.cols();
        MemorySegment d = t.data();
        long base = row * t.rowBytes();
        if (t.type() == DType.F32) {
            for (int c = 0; c < cols; c++) dst[off + c] = d.get(F32, base + 4L * c);
        } else if (t.type() == DType.F16) {
            for (int c = 0; c < cols; c++) dst[off + c] = Float.float16ToFloat(d.get(I16, base + 2L * c));
        } else {
            throw new UnsupportedOperationException(t.type().toString());
        }
    }
}
