package dev.pith.data.dedup;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Near-duplicate detection by locality-sensitive hashing of MinHash signatures: the signature is
 * cut into {@code bands} bands of {@code rows} values; two documents that agree on a whole band
 * land in the same bucket and become a candidate pair. A candidate pair counts only when the
 * signatures' estimated Jaccard similarity reaches the threshold (LSH alone admits false
 * positives); confirmed pairs are joined transitively, and each cluster keeps its first document.
 *
 * <p>Documents are added in input order; {@link #add} returns the index of the cluster's first
 * document, which is final at once because a document only ever joins earlier ones.
 */
public final class NearDedup {
    private final int bands, rows;
    private final double threshold;
    private final List<Map<Long, List<Integer>>> buckets = new ArrayList<>();
    private final List<int[]> signatures = new ArrayList<>();
    private final UnionFind clusters = new UnionFind(1024);
    private long candidatePairs, verifiedPairs;

    public NearDedup(int bands, int rows, double threshold) {
        this.bands = bands;
        this.rows = rows;
        this.threshold = threshold;
        for (int b = 0; b < bands; b++) buckets.add(new HashMap<>());
    }

    /** Adds the next document; returns -1 when it starts a new cluster, else the index of its cluster's first document. */
    public int add(int[] sig) {
        int me = signatures.size();
        signatures.add(sig);
        for (int b = 0; b < bands; b++) {
            long key = 0x9E3779B97F4A7C15L * (b + 1);
            for (int r = 0; r < rows; r++) key = Hash64.mix(key ^ sig[b * rows + r]);
            List<Integer> bucket = buckets.get(b).computeIfAbsent(key, k -> new ArrayList<>(1));
            for (int other : bucket) {
                if (clusters.find(other) == clusters.find(me)) continue;
                candidatePairs++;
                if (MinHasher.similarity(sig, signatures.get(other)) >= threshold) {
                    verifiedPairs++;
                    clusters.union(me, other);
                }
            }
            bucket.add(me);
        }
        int root = clusters.find(me);
        return root == me ? -1 : root;
    }

    public long candidatePairs() { return candidatePairs; }
    public long verifiedPairs() { return verifiedPairs; }
}
