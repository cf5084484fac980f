package dev.pith.model.sparse;

/**
 * Whether the runtime holds pruned matrices in a sparse form ({@link Sparsify}) or multiplies them
 * densely. AUTO takes a sparse form where it pays (N:M patterns, CSR from 60 % zeros); ON takes one
 * for every F32/F16 block matrix with any zero, even where dense would be smaller or faster (for
 * measuring that trade-off).
 */
public enum SparseMode {
    OFF, AUTO, ON;

    public static SparseMode parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "off" -> OFF;
            case "auto" -> AUTO;
            case "on" -> ON;
            default -> throw new IllegalArgumentException("--sparse must be auto, on or off, not " + s);
        };
    }
}
