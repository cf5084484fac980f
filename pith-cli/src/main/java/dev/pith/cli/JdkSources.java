package dev.pith.cli;

import dev.pith.core.AtomicFile;
import dev.pith.core.PithException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The demo's built-in corpus: Java source from the running JDK's own {@code lib/src.zip}, which
 * every JDK ships, so the demo needs no download. Training text comes from java.util's top-level
 * classes, held-out text from java.util.concurrent (another package, the same domain).
 */
final class JdkSources {
    private JdkSources() {}

    record Slice(long trainBytes, int trainFiles, long heldOutBytes) {}

    static Path srcZip() {
        Path zip = Path.of(System.getProperty("java.home"), "lib", "src.zip");
        if (!Files.isRegularFile(zip)) throw new PithException(zip + " is missing: this JDK ships without its sources, which the demo trains on.");
        return zip;
    }

    /** Writes up to {@code trainBytes} of java.util sources to {@code train} and ~100 kB of java.util.concurrent to {@code heldOut}. */
    static Slice write(Path train, Path heldOut, int trainBytes) {
        Path zip = srcZip();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            StringBuilder tr = new StringBuilder(), ho = new StringBuilder();
            int files = append(z, "java.base/java/util/", trainBytes, tr);
            append(z, "java.base/java/util/concurrent/", 100_000, ho);
            AtomicFile.write(train, out -> out.write(tr.toString().getBytes(StandardCharsets.UTF_8)));
            AtomicFile.write(heldOut, out -> out.write(ho.toString().getBytes(StandardCharsets.UTF_8)));
            return new Slice(Files.size(train), files, Files.size(heldOut));
        } catch (IOException e) {
            throw new PithException(zip + ": cannot be read (" + e.getMessage() + ").");
        }
    }

    /** Copies every entry under {@code folder} (sub-folders too) of src.zip into a new zip: the demo's corpus to curate. */
    static int zipSlice(Path target, String folder) {
        Path zip = srcZip();
        int[] n = {0};
        try (ZipFile z = new ZipFile(zip.toFile())) {
            AtomicFile.write(target, os -> {
                java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(os);
                for (ZipEntry e : Collections.list(z.entries())) {
                    if (e.isDirectory() || !e.getName().startsWith(folder)) continue;
                    out.putNextEntry(new ZipEntry(e.getName()));
                    z.getInputStream(e).transferTo(out);
                    out.closeEntry();
                    n[0]++;
                }
                out.finish();
            });
        } catch (IOException e) {
            throw new PithException(zip + ": cannot be read (" + e.getMessage() + ").");
        }
        return n[0];
    }

    /** Appends whole .java files directly inside {@code folder} (sorted, so every run is the same) until about {@code limit} bytes. */
    private static int append(ZipFile z, String folder, int limit, StringBuilder to) throws IOException {
        List<String> names = new ArrayList<>();
        for (ZipEntry e : Collections.list(z.entries())) {
            String n = e.getName();
            if (n.startsWith(folder) && n.endsWith(".java") && n.indexOf('/', folder.length()) < 0) names.add(n);
        }
        Collections.sort(names);
        int files = 0;
        for (String n : names) {
            if (to.length() >= limit) break;
            to.append(new String(z.getInputStream(z.getEntry(n)).readAllBytes(), StandardCharsets.UTF_8));
            files++;
        }
        if (files == 0) throw new PithException(z.getName() + " has no .java files under " + folder + ".");
        if (to.length() > limit) to.setLength(limit);
        return files;
    }
}
