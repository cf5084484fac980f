package dev.pith.model.tokenizer;

import java.util.Arrays;

/**
 * Open-addressing map from long keys to int values, for merge tables (a pair of token ids packed
 * in a long) without boxing one object per merge.
 */
final class LongIntMap {
    private static final long EMPTY = Long.MIN_VALUE;
    private long[] keys;
    private int[] values;
    private int size;
    private int mask;

    LongIntMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new int[cap];
        Arrays.fill(keys, EMPTY);
        mask = cap - 1;
    }

    private static int hash(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** Value for the key, or {@code missing}. */
    int get(long key, int missing) {
        int i = hash(key) & mask;
        while (true) {
            long k = keys[i];
            if (k == key) return values[i];
            if (k == EMPTY) return missing;
            i = (i + 1) & mask;
        }
    }

    /** Stores the value unless the key is already present (first entry wins). */
    void putIfAbsent(long key, int value) {
        if (key == EMPTY) throw new IllegalArgumentException("reserved key");
        if ((size + 1) * 2 > keys.length) grow();
        int i = hash(key) & mask;
        while (true) {
            long k = keys[i];
            if (k == key) return;
            if (k == EMPTY) {
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /** Stores the value, replacing any earlier one (last entry wins). */
    void put(long key, int value) {
        if (key == EMPTY) throw new IllegalArgumentException("reserved key");
        if ((size + 1) * 2 > keys.length) grow();
        int i = hash(key) & mask;
        while (true) {
            long k = keys[i];
            if (k == key) {
                values[i] = value;
                return;
            }
            if (k == EMPTY) {
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    int size() { return size; }

    private void grow() {
        long[] oldK = keys;
        int[] oldV = values;
        keys = new long[oldK.length * 2];
        values = new int[oldK.length * 2];
        Arrays.fill(keys, EMPTY);
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < oldK.length; i++) if (oldK[i] != EMPTY) putIfAbsent(oldK[i], oldV[i]);
    }
}
