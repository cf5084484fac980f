package dev.pith.data;

/**
 * One document flowing through the pipeline: its id (JSONL {@code id} field, the file path, the
 * path plus {@code #line}, or {@code archive!/entry}) and its text (normalised once read).
 */
public record Doc(String id, String text) {
    private static final java.util.Set<String> CODE_EXTENSIONS = java.util.Set.of(
            "java", "kt", "scala", "c", "h", "cc", "cpp", "hpp", "cs", "go", "rs", "py", "js", "ts", "rb",
            "php", "swift", "sh", "sql", "xml", "gradle", "groovy", "m", "mm", "lua", "pl", "r", "jl");

    /** True when the id names a source file by its extension (code rules apply, prose rules do not). */
    public boolean looksLikeCode() {
        String p = id;
        int hash = p.lastIndexOf('#');
        if (hash > 0) p = p.substring(0, hash);
        int dot = p.lastIndexOf('.'), slash = p.lastIndexOf('/');
        return dot > slash && CODE_EXTENSIONS.contains(p.substring(dot + 1).toLowerCase(java.util.Locale.ROOT));
    }
}
