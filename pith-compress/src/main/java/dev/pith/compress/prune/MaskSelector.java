package dev.pith.compress.prune;

/**
 * Chooses which weights to prune from importance scores (lower = less important). The comparison
 * group decides who competes with whom: a whole matrix (magnitude, as the Wanda paper's baseline),
 * one output row (Wanda: per-output comparison), or, for an N:M pattern, each run of m weights.
 * Ties go to the lower column, so a mask is a pure function of the scores.
 */
public final class MaskSelector {
    private MaskSelector() {}

    /** Mask (true = prune) over a rows × cols score matrix; {@code perRow} picks the comparison group when unstructured. */
    public static boolean[] select(float[] score, int rows, int cols, Sparsity s, boolean perRow) {
        boolean[] mask = new boolean[rows * cols];
        if (s.isPattern()) {
            for (int r = 0; r < rows; r++)
                for (int g = 0; g < cols; g += s.m()) smallest(score, r * cols + g, s.m(), s.m() - s.n(), mask);
        } else if (perRow) {
            int k = s.prunedOf(cols);
            for (int r = 0; r < rows; r++) smallest(score, r * cols, cols, k, mask);
        } else {
            smallest(score, 0, rows * cols, s.prunedOf(rows * cols), mask);
        }
        return mask;
    }

    /** Marks the k smallest of score[from .. from+len). */
    static void smallest(float[] score, int from, int len, int k, boolean[] mask) {
        if (k <= 0) return;
        if (k >= len) {
            for (int i = 0; i < len; i++) mask[from + i] = true;
            return;
        }
        // Sort (score, index) pairs packed in a non-negative long: the float's order-preserving 32 bits
        // above a 31-bit index, so one primitive sort orders by score, then by column.
        long[] keys = new long[len];
        for (int i = 0; i < len; i++) keys[i] = (orderedBits(score[from + i]) << 31) | i;
        java.util.Arrays.sort(keys);
        for (int i = 0; i < k; i++) mask[from + (int) (keys[i] & 0x7FFFFFFFL)] = true;
    }

    /** A non-negative long whose order is the float order (NaN last). */
    private static long orderedBits(float f) {
        int b = Float.floatToIntBits(f == 0f ? 0f : f);
        int ordered = b >= 0 ? b ^ 0x80000000 : ~b;
        return ordered & 0xFFFFFFFFL;
    }
}
