package dev.pith.compress.prune;

import dev.pith.core.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vectorised sparse product, parallel over rows: each row's non-zeros a vector at a time, the
 * activations gathered by column number, multiplied and accumulated with FMA lanes, then one
 * horizontal sum; the tail of each row goes scalar. {@link SparseMatVecScalar} is its reference.
 */
public final class SparseMatVec {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private SparseMatVec() {}

    public static void matvec(SparseMatrix m, float[] x, float[] out) {
        Parallel.forRange(m.rows, 64, (a, b) -> {
            for (int r = a; r < b; r++) out[r] = row(m, r, x);
        });
    }

    private static float row(SparseMatrix m, int r, float[] x) {
        int k = m.rowStart[r], end = m.rowStart[r + 1];
        FloatVector acc = FloatVector.zero(F);
        for (; k + L <= end; k += L) {
            FloatVector w = FloatVector.fromArray(F, m.values, k);
            FloatVector xv = FloatVector.fromArray(F, x, 0, m.columns, k);
            acc = w.fma(xv, acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; k < end; k++) sum += m.values[k] * x[m.columns[k]];
        return sum;
    }
}
