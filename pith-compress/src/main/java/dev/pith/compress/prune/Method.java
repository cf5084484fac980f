package dev.pith.compress.prune;

import dev.pith.core.PithException;

/** The unstructured / N:M pruning methods. */
public enum Method {
    MAGNITUDE, WANDA, SPARSEGPT;

    public static Method parse(String s) {
        for (Method m : values()) if (m.name().equalsIgnoreCase(s)) return m;
        throw new PithException("the method '" + s + "' is not one of magnitude, wanda, sparsegpt.");
    }

    boolean needsCalibration() { return this != MAGNITUDE; }
}
