package dev.pith.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dependencies point down only (DESIGN.md): a module's sources may import packages of its own
 * layer or lower ones, never higher ones. Reads every main source file's imports.
 */
class LayeringTest {
    // Layer of each top-level package under dev.pith; higher numbers sit above.
    private static final Map<String, Integer> LAYER = Map.of(
            "core", 0,
            "model", 1,
            "train", 2,
            "compress", 2,
            "data", 2,
            "eval", 3,
            "serve", 4,
            "cli", 5);
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?dev\\.pith\\.(\\w+)", Pattern.MULTILINE);
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+dev\\.pith\\.(\\w+)", Pattern.MULTILINE);

    @Test
    void noModuleImportsALayerAboveIt() throws IOException {
        Path root = Path.of(System.getProperty("pith.root"));
        List<String> violations = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.walk(root)) {
            // the product's modules only: bench/ harnesses (JMH, Jlama) are not layers of Pith
            for (Path p : s.filter(f -> f.toString().endsWith(".java") && f.toString().contains("/src/main/java/")
                    && root.relativize(f).getName(0).toString().startsWith("pith-")).toList()) {
                String src = Files.readString(p);
                Matcher pkg = PACKAGE.matcher(src);
                if (!pkg.find()) continue;
                files++;
                Integer own = LAYER.get(pkg.group(1));
                assertThat(own).as("layer of package dev.pith.%s (%s): add it to LAYER", pkg.group(1), p).isNotNull();
                Matcher m = IMPORT.matcher(src);
                while (m.find()) {
                    Integer dep = LAYER.get(m.group(1));
                    if (dep == null || dep > own) violations.add(root.relativize(p) + " imports dev.pith." + m.group(1));
                }
            }
        }
        assertThat(files).as("main source files scanned").isGreaterThan(10);
        assertThat(violations).isEmpty();
    }
}
