package dev.pith.core.kernel;

import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;

/**
 * The plain scalar twin of {@link MatMul}: same signatures, same activation conversion, and dot
 * products written as ggml-cpu's generic C does them. Tests compare the two.
 */
public final class MatMulScalar {
    private MatMulScalar() {}

    public static void matmul(Tensor w, float[] x, int n, float[] out) {
        RowProducts.run(w, x, n, out, DotScalar::dot);
    }

    public static void matvec(Tensor w, float[] x, float[] out) {
        matmul(w, x, 1, out);
    }

    public static void getRow(Tensor t, int row, float[] dst, int off) {
        Dequantizer.getRow(t, row, dst, off);
    }
}
