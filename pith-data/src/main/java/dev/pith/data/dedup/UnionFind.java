package dev.pith.data.dedup;

import java.util.Arrays;

/** Disjoint sets over 0..n-1 whose representative is always the smallest member (the document seen first). */
public final class UnionFind {
    private int[] parent;

    public UnionFind(int n) {
        parent = new int[Math.max(n, 16)];
        for (int i = 0; i < parent.length; i++) parent[i] = i;
    }

    public int find(int x) {
        ensure(x);
        while (parent[x] != x) {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        return x;
    }

    public void union(int a, int b) {
        int ra = find(a), rb = find(b);
        if (ra == rb) return;
        if (ra < rb) parent[rb] = ra;
        else parent[ra] = rb;
    }

    private void ensure(int x) {
        if (x < parent.length) return;
        int old = parent.length;
        parent = Arrays.copyOf(parent, Math.max(x + 1, old * 2));
        for (int i = old; i < parent.length; i++) parent[i] = i;
    }
}
