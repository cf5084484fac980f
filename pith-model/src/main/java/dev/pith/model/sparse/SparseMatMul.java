package dev.pith.model.sparse;

import dev.pith.core.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sparse weight × activations, vectorised and parallel over rows; {@link SparseMatMulScalar} is its
 * plain twin. Same contract as the dense {@code MatMul.matmul}: {@code out[t*rows + r] = row r · x_t}.
 *
 * <p>One vector (decode): each row's non-zeros a vector at a time, the activations gathered by
 * column number, FMA lanes, one horizontal sum. Several vectors (a prompt): the activations are
 * transposed once so that one column holds every token's value contiguously; each non-zero then
 * costs one broadcast FMA over a tile of tokens, with no gather at all.
 */
public final class SparseMatMul {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final ThreadLocal<int[][]> SCRATCH = ThreadLocal.withInitial(() -> new int[1][0]);

    private SparseMatMul() {}

    public static void matmul(SparseWeight w, float[] x, int n, float[] out) {
        if (n == 1) matvec(w, x, out);
        else batched(w, x, n, out);
    }

    public static void matvec(SparseWeight w, float[] x, float[] out) {
        Parallel.forRange(w.rows(), 32, (a, b) -> {
            int[] scratch = scratch(w.maxRowLength());
            for (int r = a; r < b; r++) out[r] = row(w, r, x, scratch);
        });
    }

    private static float row(SparseWeight w, int r, float[] x, int[] scratch) {
        float[] v = w.values();
        int[] col = w.columns(r, scratch);
        int k = w.rowStart(r), end = w.rowEnd(r), off = w.columnOffset(r) - k;
        FloatVector acc = FloatVector.zero(F);
        for (; k + L <= end; k += L) {
            FloatVector wv = FloatVector.fromArray(F, v, k);
            FloatVector xv = FloatVector.fromArray(F, x, 0, col, k + off);
            acc = wv.fma(xv, acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; k < end; k++) sum += v[k] * x[col[k + off]];
        return sum;
    }

    private static void batched(SparseWeight w, float[] x, int n, float[] out) {
        int cols = w.cols(), rows = w.rows();
        float[] xt = transposed(Math.multiplyExact(n, cols));
        Parallel.forRange(cols, 64, (a, b) -> {
            for (int j = a; j < b; j++)
                for (int t = 0; t < n; t++) xt[j * n + t] = x[t * cols + j];
        });
        Parallel.forRange(rows, 8, (a, b) -> {
            int[] scratch = scratch(w.maxRowLength());
            float[] tile = new float[4 * L];
            for (int r = a; r < b; r++) {
                int[] col = w.columns(r, scratch);
                int t = 0;
                for (; t + 4 * L <= n; t += 4 * L) tile4(w, r, col, xt, n, t, tile, out, rows);
                for (; t + L <= n; t += L) tile1(w, r, col, xt, n, t, out, rows);
                for (; t < n; t++) out[t * rows + r] = SparseMatMulScalar.dotColumns(w, r, col, xt, n, t);
            }
        });
    }

    /** Tokens t0 .. t0+4L of row r: four accumulators, one broadcast weight per non-zero. */
    private static void tile4(SparseWeight w, int r, int[] col, float[] xt, int n, int t0, float[] tile, float[] out, int rows) {
        float[] v = w.values();
        int off = w.columnOffset(r) - w.rowStart(r);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = w.rowStart(r), end = w.rowEnd(r); k < end; k++) {
            FloatVector wv = FloatVector.broadcast(F, v[k]);
            int base = col[k + off] * n + t0;
            a0 = FloatVector.fromArray(F, xt, base).fma(wv, a0);
            a1 = FloatVector.fromArray(F, xt, base + L).fma(wv, a1);
            a2 = FloatVector.fromArray(F, xt, base + 2 * L).fma(wv, a2);
            a3 = FloatVector.fromArray(F, xt, base + 3 * L).fma(wv, a3);
        }
        a0.intoArray(tile, 0);
        a1.intoArray(tile, L);
        a2.intoArray(tile, 2 * L);
        a3.intoArray(tile, 3 * L);
        for (int i = 0; i < 4 * L; i++) out[(t0 + i) * rows + r] = tile[i];
    }

    private static void tile1(SparseWeight w, int r, int[] col, float[] xt, int n, int t0, float[] out, int rows) {
        float[] v = w.values();
        int off = w.columnOffset(r) - w.rowStart(r);
        FloatVector acc = FloatVector.zero(F);
        for (int k = w.rowStart(r), end = w.rowEnd(r); k < end; k++)
            acc = FloatVector.fromArray(F, xt, col[k + off] * n + t0).fma(FloatVector.broadcast(F, v[k]), acc);
        for (int i = 0; i < L; i++) out[(t0 + i) * rows + r] = acc.lane(i);
    }

    // The transposed prompt is kept per calling thread and reused: a prompt multiplies by seven
    // matrices per layer, and a fresh array each time would be garbage of the prompt's size.
    private static final ThreadLocal<float[][]> TRANSPOSED = ThreadLocal.withInitial(() -> new float[1][0]);

    private static float[] transposed(int len) {
        float[][] holder = TRANSPOSED.get();
        if (holder[0].length < len) holder[0] = new float[len];
        return holder[0];
    }

    private static int[] scratch(int len) {
        int[][] holder = SCRATCH.get();
        if (holder[0].length < len) holder[0] = new int[len];
        return holder[0];
    }
}
