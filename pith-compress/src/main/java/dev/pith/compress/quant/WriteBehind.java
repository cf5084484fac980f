package dev.pith.compress.quant;

import dev.pith.model.gguf.GgufStreamWriter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes encoded tensors to a {@link GgufStreamWriter} on a thread of its own while the next
 * tensor is encoded, from two buffers of the largest output tensor's size that are reused for every
 * tensor: the encoder fills one while the other is being written. Writing (a copy into the page
 * cache, throttled when the disk falls behind) then overlaps encoding instead of following it, and
 * the buffers are allocated and zeroed once instead of once per tensor. At most one write is in
 * flight, so memory is two tensors' output.
 */
final class WriteBehind implements AutoCloseable {
    private final GgufStreamWriter out;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] buffers;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pith-write");
        t.setDaemon(true);
        return t;
    });
    private Future<?> pending;
    private int next;

    WriteBehind(GgufStreamWriter out, long largest) {
        this.out = out;
        buffers = new MemorySegment[] {arena.allocate(Math.max(1, largest), 64), arena.allocate(Math.max(1, largest), 64)};
    }

    /** A buffer of {@code bytes} bytes that no write is reading (the one not handed out last). */
    MemorySegment buffer(long bytes) {
        return buffers[next].asSlice(0, bytes);
    }

    /** Queues {@code data} (a {@link #buffer} or a segment that stays valid) as tensor {@code name}; waits for the previous write first. */
    void write(String name, MemorySegment data) {
        await();
        pending = thread.submit(() -> out.write(name, data));
        if (data.address() >= buffers[next].address() && data.address() < buffers[next].address() + buffers[next].byteSize()) next ^= 1;
    }

    /** Waits for the write in flight; its failure is thrown here. */
    void await() {
        if (pending == null) return;
        try {
            pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } finally {
            pending = null;
        }
    }

    @Override
    public void close() {
        try {
            if (pending != null) pending.cancel(false);
            thread.shutdown();
            thread.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            arena.close();
        }
    }
}
