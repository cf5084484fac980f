package dev.pith.compress.quant;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.channels.FileChannel;
import java.util.Optional;

/**
 * Asks the kernel to read part of a mapped file into the page cache without waiting for it:
 * madvise(MADV_WILLNEED), which starts the reads and returns (the JDK's {@link MemorySegment#load}
 * also touches every page, i.e. waits for the disk). Where the C library has no madvise (Windows),
 * {@link #AVAILABLE} is false and callers read as they otherwise would.
 */
final class PageCache {
    /** MADV_WILLNEED on Linux and macOS. */
    private static final int MADV_WILLNEED = 3;
    private static final long PAGE = 4096;
    private static final MethodHandle MADVISE = lookup();
    static final boolean AVAILABLE = MADVISE != null;

    private PageCache() {}

    private static MethodHandle lookup() {
        try {
            Linker linker = Linker.nativeLinker();
            Optional<MemorySegment> f = linker.defaultLookup().find("madvise");
            return f.map(a -> linker.downcallHandle(a, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT))).orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null; // no native access: reads go on without the hint
        }
    }

    /** The whole file mapped read-only for the life of {@code arena}, or null if it cannot be. */
    static MemorySegment map(FileChannel channel, Arena arena) {
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** Starts reading the pages under {@code slice} (part of a mapping) into the page cache; a refused hint is ignored. */
    static void willNeed(MemorySegment slice) {
        long start = slice.address() / PAGE * PAGE;
        long end = slice.address() + slice.byteSize();
        try {
            int ignored = (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), end - start, MADV_WILLNEED);
        } catch (Throwable e) {
            // only a hint: the pages are read when touched either way
        }
    }
}
