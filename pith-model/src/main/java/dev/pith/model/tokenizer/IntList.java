package dev.pith.model.tokenizer;

import java.util.Arrays;

/** A growable int array, so token output never boxes. */
final class IntList {
    private int[] a = new int[16];
    private int size;

    void add(int v) {
        if (size == a.length) a = Arrays.copyOf(a, size * 2);
        a[size++] = v;
    }

    void addAll(int[] vs) {
        for (int v : vs) add(v);
    }

    int size() { return size; }
    int get(int i) { return a[i]; }
    int[] toArray() { return Arrays.copyOf(a, size); }
}
