package dev.pith.train;

/** A read-only sequence of token ids: in memory, or memory-mapped shards. */
public interface TokenSource {
    long size();

    int get(long index);

    /** Tokens held in an int array. */
    static TokenSource of(int[] tokens) {
        return new TokenSource() {
            public long size() { return tokens.length; }
            public int get(long i) { return tokens[Math.toIntExact(i)]; }
        };
    }
}
