package dev.pith.data.read;

/**
 * How inputs become documents: {@code lines} makes every line of a text file a document (id
 * {@code path#line}); JSONL documents take their text from {@code textField} and their id from
 * {@code idField}; anything larger than {@code maxDocBytes} is skipped unbuffered.
 */
public record ReadOptions(boolean lines, String textField, String idField, int maxDocBytes) {
    public static ReadOptions defaults() { return new ReadOptions(false, "text", "id", 1 << 20); }
}
