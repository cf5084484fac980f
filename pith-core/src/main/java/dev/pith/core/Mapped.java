package dev.pith.core;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Memory-maps whole files read-only with the FFM API: files of any size (over 2 GB too), no copy;
 * pages are read from disk only when touched. The mapping lives as long as the shared arena,
 * i.e. until the returned {@link Mapped} is closed.
 *
 * <p>The segment handed out is a plain native-memory view of the mapping (same memory, same arena,
 * read-only), not the JDK's mapped-segment class. Why: the JDK's segment access code is shared by
 * every caller, so when a process reads both mapped segments and ordinary native ones (the packed
 * copies of {@code dev.pith.core.kernel.PackedGroups}), that code's type profile has two receiver
 * classes, and the kernels C2 compiles around it are slower: 1B Q4_0 generation 30 against 39-42
 * tokens/s, Q4_K_M 23-25 against 32-33 (AMD EPYC, session 15, {@code -Dpith.mapped.view=false}
 * to compare). {@link #fileSegment} gives the JDK mapped segment back where its methods are needed.
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

    private static final boolean VIEW = !"false".equals(System.getProperty("pith.mapped.view"));
    /** Live mappings: start address → the JDK's mapped segment (the file's whole mapping). */
    private static final ConcurrentSkipListMap<Long, MemorySegment> LIVE = new ConcurrentSkipListMap<>();

    /**
     * The JDK mapped segment over the same bytes as s (which may be a view handed out by this class),
     * or null if s is not a part of a file mapped here and still open: for the mapped-segment
     * operations ({@code load}, {@code isLoaded}, {@code unload}).
     */
    public static MemorySegment fileSegment(MemorySegment s) {
        if (s.isMapped()) return s;
        if (!s.isNative() || s.byteSize() == 0) return null;
        Map.Entry<Long, MemorySegment> e = LIVE.floorEntry(s.address());
        if (e == null || s.address() + s.byteSize() > e.getKey() + e.getValue().byteSize()) return null;
        return e.getValue().asSlice(s.address() - e.getKey(), s.byteSize());
    }

    /** Whether s is a part of a file mapped here and still open. */
    public static boolean isFileMapped(MemorySegment s) {
        return fileSegment(s) != null;
    }

    /**
     * Drops s's pages (a part of a mapped file) from this process's memory; the mapping is read-only,
     * so nothing is lost: a later read brings a page back from the page cache.
     */
    public static void dropPages(MemorySegment s) {
        MemorySegment f = fileSegment(s);
        if (f == null) throw new IllegalArgumentException("not a part of a mapped file: " + s);
        f.unload();
    }

    public static Mapped open(Path path) {
        if (!Files.exists(path)) throw new PithException(path + ": no such file.");
        if (Files.isDirectory(path)) throw new PithException(path + ": is a folder, not a file.");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.NULL.reinterpret(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            if (size > 0) LIVE.put(seg.address(), seg);
            if (size > 0 && VIEW) seg = view(seg, arena);
            return new Mapped(arena, seg, path);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new PithException(path + ": no such file.");
        } catch (IOException e) {
            arena.close();
            throw new PithException(path + ": cannot be read (" + e.getMessage() + ").", e);
        }
    }

    /** A native-memory view of the mapping (see the class comment), or the mapping itself where native access is denied to this code. */
    private static MemorySegment view(MemorySegment mapped, Arena arena) {
        try {
            return MemorySegment.ofAddress(mapped.address()).reinterpret(mapped.byteSize(), arena, null).asReadOnly();
        } catch (IllegalCallerException e) {
            return mapped; // --illegal-native-access=deny without --enable-native-access: correct, only slower
        }
    }

    public MemorySegment segment() { return segment; }
    public Path path() { return path; }

    @Override
    public void close() {
        if (segment.byteSize() > 0) LIVE.remove(segment.address());
        arena.close();
    }
}
