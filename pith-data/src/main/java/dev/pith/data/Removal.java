package dev.pith.data;

/**
 * Why a document left the pipeline: the stage that removed it (read, filter, decontam, quality,
 * exact_dedup, near_dedup), a short reason key that the report counts, and for duplicates the id
 * of the document that was kept in its place. {@code bytes} is the UTF-8 size removed (for skips at
 * read time, the size seen before giving up).
 */
public record Removal(String id, String stage, String reason, String duplicateOf, long bytes) {
    public static Removal of(String id, String stage, String reason, long bytes) {
        return new Removal(id, stage, reason, null, bytes);
    }
}
