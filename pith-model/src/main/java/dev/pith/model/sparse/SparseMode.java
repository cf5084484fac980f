package dev.pith.model.sparse;

/** Whether the runtime holds pruned matrices in a sparse form ({@link Sparsify}) or multiplies them densely. */
public enum SparseMode {
    OFF, AUTO;

    public static SparseMode parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "off" -> OFF;
            case "auto" -> AUTO;
            default -> throw new IllegalArgumentException("--sparse must be auto or off, not " + s);
        };
    }
}
