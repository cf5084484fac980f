package dev.pith.core.kernel;

import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;

/**
 * Matrix × vectors on weights of any supported type, with llama.cpp's CPU numerics: activations are
 * converted once per vector to the weight type's vec_dot_type (F32, F16, BF16, Q8_0, Q8_1 or Q8_K,
 * see {@link dev.pith.core.quant.ActivationQuantizer}) and each row is multiplied block by block on
 * its quantized bytes, never dequantized as a whole. Rows are split across {@link dev.pith.core.Parallel}
 * threads; every type has a vectorised kernel (16 float lanes with AVX-512, 8 with AVX2; other
 * widths fall back to the scalar kernels), and {@link MatMulScalar} is the plain twin.
 *
 * <p>One vector (generation) and batches of up to 7 on Q8_0, Q4_0, Q4_K or Q6_K weights go through
 * {@link PackedGroups} (a repacked copy, rows in 16-bit integer lanes, the scalar reference's bits);
 * one vector on F32 or F16 through {@link DecodeRows} (four rows at a time, bit-identical to the
 * row kernels).
 *
 * <p>Results agree with ggml-cpu's own vec_dot to float rounding (the exact integer block sums are
 * the same; only the order of the float additions differs), see GgmlOracleTest.
 *
 * <p>Several vectors at once (a prompt, 8 or more) go through {@link PackedGemm}: F32/F16/BF16 and
 * Q8_0/Q4_0 (the latter with ggml's per-block integer sums) by default, within float rounding of the
 * single-vector products; the other types through {@link TiledMatMul}'s register tiles, bit-identical
 * to one vector at a time (see {@code RowProducts.GEMM_TYPES} for the switch).
 */
public final class MatMul {
    private MatMul() {}

    /**
     * {@code out[t*rows + r] = dot(row r of w, x[t*cols ... (t+1)*cols))} for t in [0, n); w has
     * shape {cols, rows} and cols a multiple of its block size.
     */
    public static void matmul(Tensor w, float[] x, int n, float[] out) {
        if (DotVector.AVAILABLE) RowProducts.run(w, x, n, out, DotVector::dot, true);
        else RowProducts.run(w, x, n, out, DotScalar::dot);
    }

    /**
     * {@code outs[i] = ws[i] · x} (one vector) for every i, with the bits of {@link #matvec} on each:
     * runs of matrices of the same width that meet the same activation type (generation's q/k/v,
     * gate/up) are prepared for once and split over the threads as one job.
     */
    public static void matvecAll(Tensor[] ws, float[] x, float[][] outs) {
        if (ws.length != outs.length) throw new IllegalArgumentException(ws.length + " matrices but " + outs.length + " outputs");
        for (int i = 0; i < ws.length; ) {
            int j = i + 1;
            while (DotVector.AVAILABLE && j < ws.length && RowProducts.canShare(ws[i], ws[j])) j++;
            if (j - i == 1) matvec(ws[i], x, outs[i]);
            else RowProducts.runShared(ws, i, j, x, outs, DotVector::dot);
            i = j;
        }
    }

    /** {@code out[r] = dot(row r of w, x)}. */
    public static void matvec(Tensor w, float[] x, float[] out) {
        matmul(w, x, 1, out);
    }

    /** Row {@code row} of {@code t} as floats (an embedding lookup), into {@code dst[off ...]}. */
    public static void getRow(Tensor t, int row, float[] dst, int off) {
        Dequantizer.getRow(t, row, dst, off);
    }
}
