package dev.pith.data.dedup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * MinHash signatures (Broder 1997): a document is the set of its shingles (k consecutive words,
 * or k characters); signature position i holds the minimum over shingles of an independent hash
 * h_i. The share of positions where two signatures agree estimates the Jaccard similarity of the
 * two shingle sets. Each shingle is hashed once to 64 well-mixed bits x; the i-th hash is then the
 * multiply-shift h_i(x) = (a_i·x + b_i) >> 33 with random odd a_i (Dietzfelbinger et al.), one
 * multiply and add per shingle and permutation instead of a full re-hash.
 */
public final class MinHasher {
    private final boolean words;
    private final int k;
    private final long[] mul, add;

    public MinHasher(boolean words, int shingleSize, int numPerm, long seed) {
        this.words = words;
        this.k = shingleSize;
        this.mul = new long[numPerm];
        this.add = new long[numPerm];
        long s = seed;
        for (int i = 0; i < numPerm; i++) {
            mul[i] = Hash64.mix(s += 0x9E3779B97F4A7C15L) | 1;
            add[i] = Hash64.mix(s += 0x9E3779B97F4A7C15L);
        }
    }

    public int numPerm() { return mul.length; }

    /** Hashes of the document's shingles (duplicates included; they do not change the minimum). */
    public long[] shingles(String text) {
        if (words) {
            List<String> w = new ArrayList<>();
            for (String t : text.toLowerCase(Locale.ROOT).split("\\s+")) if (!t.isEmpty()) w.add(t);
            if (w.isEmpty()) return new long[0];
            long[] wh = new long[w.size()];
            for (int i = 0; i < wh.length; i++) wh[i] = Hash64.of(w.get(i));
            int n = Math.max(1, wh.length - k + 1);
            long[] out = new long[n];
            for (int i = 0; i < n; i++) {
                long h = 0x243F6A8885A308D3L;
                for (int j = i; j < Math.min(wh.length, i + k); j++) h = Hash64.mix(h * 31 + wh[j]);
                out[i] = h;
            }
            return out;
        }
        String s = text.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        if (s.isEmpty()) return new long[0];
        int n = Math.max(1, s.length() - k + 1);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = Hash64.of(s, i, Math.min(s.length(), i + k));
        return out;
    }

    public int[] signature(String text) {
        long[] sh = shingles(text);
        int[] sig = new int[mul.length];
        Arrays.fill(sig, Integer.MAX_VALUE);
        for (int p = 0; p < mul.length; p++) {
            long a = mul[p], b = add[p];
            long min = Long.MAX_VALUE;
            for (long x : sh) {
                long v = (a * x + b) >>> 33; // 31 bits, non-negative: signed order is the hash order
                if (v < min) min = v;
            }
            sig[p] = (int) min;
        }
        return sig;
    }

    /** Estimated Jaccard similarity: the share of equal positions. */
    public static double similarity(int[] a, int[] b) {
        int eq = 0;
        for (int i = 0; i < a.length; i++) if (a[i] == b[i]) eq++;
        return (double) eq / a.length;
    }
}
