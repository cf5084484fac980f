package dev.pith.compress.prune;

import java.util.Arrays;

/** Chooses which weights of a row to remove: the lowest scores, ties broken by position so masks are deterministic. */
public final class Masks {
    private Masks() {}

    /** Marks in {@code prune} the {@code k} lowest of {@code score[from .. to)}. */
    public static void lowest(double[] score, int from, int to, int k, boolean[] prune) {
        if (k <= 0) return;
        Integer[] idx = new Integer[to - from];
        for (int i = 0; i < idx.length; i++) idx[i] = from + i;
        Arrays.sort(idx, (a, b) -> { int c = Double.compare(score[a], score[b]); return c != 0 ? c : Integer.compare(a, b); });
        for (int i = 0; i < k; i++) prune[idx[i]] = true;
    }

    /** The mask of one whole row of scores under {@code p}: per row fraction or per N:M group. */
    public static boolean[] row(double[] score, Pattern p) {
        boolean[] prune = new boolean[score.length];
        if (p.nm()) {
            for (int g = 0; g < score.length; g += p.m()) lowest(score, g, g + p.m(), p.m() - p.n(), prune);
        } else {
            lowest(score, 0, score.length, p.prunedBetween(0, score.length), prune);
        }
        return prune;
    }
}
