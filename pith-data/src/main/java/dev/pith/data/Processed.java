package dev.pith.data;

import java.util.List;

/**
 * A document after the per-document stages: either kept (normalised text, its size in tokens,
 * exact-duplicate hash and MinHash signature for the global dedup stage) or removed; with the
 * trace of stages it went through, for the report.
 */
public record Processed(String id, String text, long tokens, String hash, int[] signature, Removal removal, List<StageEvent> trace) {
    public boolean kept() { return removal == null; }
}
