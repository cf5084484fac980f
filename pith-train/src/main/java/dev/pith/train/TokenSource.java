package dev.pith.train;

/** A read-only sequence of token ids: in memory, or memory-mapped shards. */
public interface TokenSource {
    long size();

    int get(long index);

    /** Whether predicting the token at {@code index} counts in the loss (false for the prompt part of instruction data). */
    default boolean trained(long index) { return true; }

    /** Tokens held in an int array. */
    static TokenSource of(int[] tokens) {
        return new TokenSource() {
            public long size() { return tokens.length; }
            public int get(long i) { return tokens[Math.toIntExact(i)]; }
        };
    }
}
