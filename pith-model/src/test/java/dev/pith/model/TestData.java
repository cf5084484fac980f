package dev.pith.model;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the shared real data; a missing file fails the test that needs it. */
public final class TestData {
    private TestData() {}

    public static Path shared() {
        String p = System.getProperty("pith.shared");
        if (p == null) throw new IllegalStateException("system property pith.shared is not set (Maven sets it to ../shared)");
        return Path.of(p);
    }

    public static Path data(String relative) {
        Path path = shared().resolve("data").resolve(relative);
        if (!Files.exists(path)) throw new IllegalStateException("shared test data missing: " + path);
        return path;
    }

    public static Path model(String name) { return data("models/" + name); }
}
