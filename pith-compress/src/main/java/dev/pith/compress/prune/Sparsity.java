package dev.pith.compress.prune;

import dev.pith.core.PithException;

/**
 * What to zero: a fraction of every comparison group (unstructured), or an N:M pattern — at most
 * {@code n} non-zeros in every {@code m} consecutive weights of a row (NVIDIA's 2:4 convention), so
 * {@code m − n} of each group are pruned.
 *
 * @param fraction the share pruned (for a pattern: (m − n) / m)
 * @param n        non-zeros kept per group of m (0 when unstructured)
 * @param m        group length (0 when unstructured)
 */
public record Sparsity(double fraction, int n, int m) {

    public static Sparsity unstructured(double fraction) {
        if (!(fraction >= 0 && fraction < 1))
            throw new PithException("--sparsity must lie in [0, 1), got " + fraction + ".");
        return new Sparsity(fraction, 0, 0);
    }

    /** "2:4", "4:8", any "N:M" with 0 ≤ N < M. */
    public static Sparsity pattern(String text) {
        String[] p = text.trim().split(":");
        int n, m;
        try {
            if (p.length != 2) throw new NumberFormatException();
            n = Integer.parseInt(p[0].trim());
            m = Integer.parseInt(p[1].trim());
        } catch (NumberFormatException e) {
            throw new PithException("--pattern must be N:M such as 2:4, got '" + text + "'.");
        }
        if (m < 1 || n < 0 || n >= m)
            throw new PithException("--pattern " + text + " must keep N of every M weights with 0 ≤ N < M.");
        return new Sparsity((double) (m - n) / m, n, m);
    }

    public boolean isPattern() { return m > 0; }

    /** Weights pruned of a group of {@code size} (unstructured: rounded to the nearest). */
    public int prunedOf(int size) { return (int) Math.round(fraction * size); }

    /** An error naming the tensor when a row cannot be cut into groups of m. */
    public void checkRow(String tensor, int cols) {
        if (isPattern() && cols % m != 0)
            throw new PithException("the pattern " + n + ":" + m + " does not divide the rows of " + tensor + " (" + cols + " columns).");
    }

    @Override
    public String toString() { return isPattern() ? n + ":" + m : Math.round(fraction * 1000) / 10.0 + "%"; }
}
