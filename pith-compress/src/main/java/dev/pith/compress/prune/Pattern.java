package dev.pith.compress.prune;

import dev.pith.core.PithException;

/**
 * Which weights of a row may be zeroed: unstructured (a fraction of each output row, the Wanda
 * paper's comparison group) or N:M (at most N non-zeros in every M consecutive weights of a row).
 */
public record Pattern(double sparsity, int n, int m) {
    public static Pattern unstructured(double sparsity) {
        if (!(sparsity >= 0 && sparsity < 1))
            throw new PithException("the sparsity " + sparsity + " is outside [0, 1): it is the fraction of weights to remove.");
        return new Pattern(sparsity, 0, 0);
    }

    /** Parses "N:M" (e.g. 2:4 keeps 2 weights of every 4). */
    public static Pattern parse(String s) {
        String[] p = s.split(":");
        try {
            if (p.length == 2) {
                int n = Integer.parseInt(p[0].strip()), m = Integer.parseInt(p[1].strip());
                if (n > 0 && m > 0 && n <= m) return new Pattern(1.0 - (double) n / m, n, m);
            }
        } catch (NumberFormatException ignored) {
            // reported below with the accepted form
        }
        throw new PithException("the pattern '" + s + "' is not N:M with 0 < N <= M (for example 2:4).");
    }

    public boolean nm() { return m > 0; }

    /** Weights to remove from a row segment [from, to) so that whole rows reach round(sparsity × cols) exactly. */
    public int prunedBetween(int from, int to) {
        return (int) Math.round(sparsity * to) - (int) Math.round(sparsity * from);
    }

    public void checkRow(String tensor, int cols) {
        if (nm() && cols % m != 0)
            throw new PithException("the pattern " + n + ":" + m + " does not divide the rows of " + tensor + " (" + cols + " weights wide).");
    }

    @Override
    public String toString() { return nm() ? n + ":" + m : String.format("%.0f%% unstructured", sparsity * 100); }
}
