package dev.pith.data.read;

import dev.pith.core.PithException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Turns the paths a user gives into an ordered list of shards: folders are walked in sorted order
 * (hidden files left out), archives and JSONL files become a shard each, and plain text files are
 * grouped so that a folder of a million small files does not make a million checkpoints.
 */
public final class Inputs {
    private Inputs() {}

    static final int TEXT_FILES_PER_SHARD = 512;
    static final long TEXT_BYTES_PER_SHARD = 32L << 20;
    public static final int ZIP_ENTRIES_PER_SHARD = 2000;

    public static List<Shard> shards(List<Path> paths) {
        if (paths == null || paths.isEmpty()) throw new PithException("no input paths were given (--in).");
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith(".")).sorted().forEach(files::add);
                } catch (IOException e) {
                    throw new PithException(p + ": the folder cannot be listed (" + e.getMessage() + ").");
                }
            } else if (Files.exists(p)) {
                files.add(p);
            } else {
                throw new PithException(p + " does not exist.");
            }
        }
        List<Shard> out = new ArrayList<>();
        List<Path> group = new ArrayList<>();
        long groupBytes = 0;
        for (Path f : files) {
            Shard.Kind k = kindOf(f);
            if (k != Shard.Kind.TEXT) {
                if (!group.isEmpty()) out.add(new Shard(out.size(), Shard.Kind.TEXT, List.copyOf(group)));
                group.clear();
                groupBytes = 0;
                if (k == Shard.Kind.ZIP) {
                    int entries = zipFiles(f);
                    for (int from = 0; from < Math.max(1, entries); from += ZIP_ENTRIES_PER_SHARD)
                        out.add(new Shard(out.size(), k, List.of(f), from, entries < 0 ? Integer.MAX_VALUE : Math.min(entries, from + ZIP_ENTRIES_PER_SHARD)));
                } else {
                    out.add(new Shard(out.size(), k, List.of(f)));
                }
                continue;
            }
            long size = sizeOrZero(f);
            if (!group.isEmpty() && (group.size() >= TEXT_FILES_PER_SHARD || groupBytes + size > TEXT_BYTES_PER_SHARD)) {
                out.add(new Shard(out.size(), Shard.Kind.TEXT, List.copyOf(group)));
                group.clear();
                groupBytes = 0;
            }
            group.add(f);
            groupBytes += size;
        }
        if (!group.isEmpty()) out.add(new Shard(out.size(), Shard.Kind.TEXT, List.copyOf(group)));
        return out;
    }

    static Shard.Kind kindOf(Path f) {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".zip") || n.endsWith(".jar")) return Shard.Kind.ZIP;
        if (n.endsWith(".tar.gz") || n.endsWith(".tgz")) return Shard.Kind.TAR_GZ;
        if (n.endsWith(".jsonl") || n.endsWith(".ndjson")) return Shard.Kind.JSONL;
        return Shard.Kind.TEXT;
    }

    /** Files (not folders) in a zip's central directory, or -1 when it cannot be opened (reading it reports why). */
    private static int zipFiles(Path f) {
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(f.toFile(), java.nio.charset.StandardCharsets.UTF_8)) {
            return (int) z.stream().filter(e -> !e.isDirectory()).count();
        } catch (IOException e) {
            return -1;
        }
    }

    private static long sizeOrZero(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return 0;
        }
    }
}
