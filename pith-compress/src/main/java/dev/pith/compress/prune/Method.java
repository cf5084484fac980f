package dev.pith.compress.prune;

import dev.pith.core.PithException;

/** The unstructured / N:M pruning criteria. */
public enum Method {
    /** |W|, compared over the whole matrix (the Wanda paper's magnitude baseline). */
    MAGNITUDE,
    /** |W_ij| · ‖X_j‖₂, compared within each output row (Sun et al., 2023). */
    WANDA,
    /** OBS saliency with Hessian-based reconstruction of the kept weights (Frantar &amp; Alistarh, 2023). */
    SPARSEGPT;

    public static Method parse(String s) {
        return switch (s.toLowerCase()) {
            case "magnitude" -> MAGNITUDE;
            case "wanda" -> WANDA;
            case "sparsegpt" -> SPARSEGPT;
            default -> throw new PithException("--method must be magnitude, wanda or sparsegpt, not '" + s + "'.");
        };
    }

    public boolean needsCalibration() { return this != MAGNITUDE; }
}
