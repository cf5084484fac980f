package dev.pith.data.filter;

/**
 * Counts of 64-bit keys (n-gram hashes) in an open-addressing table sized once for at most
 * {@code maxKeys} distinct keys: the repetition rules count every n-gram of every document for
 * nine values of n, and boxed HashMap entries made that the slowest stage of the pipeline.
 */
final class LongCounts {
    private final long[] keys;
    private final int[] counts, first;
    private final boolean[] used;
    private final int mask;

    LongCounts(int maxKeys) {
        int cap = Integer.highestOneBit(Math.max(8, maxKeys)) << 2; // load factor ≤ 1/2
        keys = new long[cap];
        counts = new int[cap];
        first = new int[cap];
        used = new boolean[cap];
        mask = cap - 1;
    }

    private int slot(long key) {
        int i = (int) (key ^ (key >>> 29)) & mask;
        while (used[i] && keys[i] != key) i = (i + 1) & mask;
        return i;
    }

    /** Adds one occurrence of {@code key}, first seen at position {@code at}. */
    void add(long key, int at) {
        int i = slot(key);
        if (!used[i]) {
            used[i] = true;
            keys[i] = key;
            first[i] = at;
        }
        counts[i]++;
    }

    int get(long key) {
        int i = slot(key);
        return used[i] ? counts[i] : 0;
    }

    /** {count, first position} of the most frequent key (ties: the one seen first), or {0, -1} when empty. */
    int[] top() {
        int best = 0, at = -1;
        for (int i = 0; i < keys.length; i++) {
            if (used[i] && (counts[i] > best || counts[i] == best && first[i] < at)) {
                best = counts[i];
                at = first[i];
            }
        }
        return new int[]{best, at};
    }
}
