package dev.pith.core;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Memory-maps whole files read-only with the FFM API: files of any size (over 2 GB too), no copy;
 * pages are read from disk only when touched. The mapping lives as long as the shared arena,
 * i.e. until the returned {@link Mapped} is closed.
 */
public final class Mapped implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment segment;
    private final Path path;

    private Mapped(Arena arena, MemorySegment segment, Path path) {
        this.arena = arena;
        this.segment = segment;
        this.path = path;
    }

    public static Mapped open(Path path) {
        if (!Files.exists(path)) throw new PithException(path + ": no such file.");
        if (Files.isDirectory(path)) throw new PithException(path + ": is a folder, not a file.");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.NULL.reinterpret(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new Mapped(arena, seg, path);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new PithException(path + ": no such file.");
        } catch (IOException e) {
            arena.close();
            throw new PithException(path + ": cannot be read (" + e.getMessage() + ").", e);
        }
    }

    public MemorySegment segment() { return segment; }
    public Path path() { return path; }

    @Override
    public void close() { arena.close(); }
}
