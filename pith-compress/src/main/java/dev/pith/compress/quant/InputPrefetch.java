package dev.pith.compress.quant;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Reads a memory-mapped input ahead of the quantizer: {@link #next} hands one background thread
 * the tensor to be encoded after the current one, which it loads into the page cache
 * ({@link MemorySegment#load}: madvise(WILLNEED), then a touch of every page). Reading a cold file
 * and encoding then overlap instead of alternating, so the run takes about the longer of the two
 * rather than their sum. Tensors that are not mapped (already in memory) are skipped.
 */
final class InputPrefetch implements AutoCloseable {
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pith-prefetch");
        t.setDaemon(true);
        return t;
    });

    /** Queues {@code data} to be read ahead; returns at once. */
    void next(MemorySegment data) {
        MemorySegment file = dev.pith.core.Mapped.fileSegment(data);
        if (file != null && file.byteSize() > 0) thread.execute(file::load);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
