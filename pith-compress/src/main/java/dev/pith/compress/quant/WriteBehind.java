package dev.pith.compress.quant;

import dev.pith.model.gguf.GgufStreamWriter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes encoded output to a {@link GgufStreamWriter} on a thread of its own while the encoder goes
 * on, from a few reused buffers: the encoder fills a free buffer ({@link #buffer}), hands it to
 * {@link #write} with the tensor and the offset inside it, and takes the next free one; a buffer
 * returns to the pool once written. Writing (a copy into the page cache) then overlaps encoding.
 *
 * <p>Row-wise encoders write a chunk of rows at a time, so the buffers are a chunk's output (a few
 * MB), not a tensor's: on the 1B shape two tensor-sized buffers were 2 × 279 MB of fresh memory,
 * and first touches of fresh pages cost this VM about a fifth of the run's CPU time (kernel
 * {@code clear_page}, measured with perf).
 */
final class WriteBehind implements AutoCloseable {
    private final GgufStreamWriter out;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] buffers;
    private final BlockingQueue<Integer> free;
    private final Deque<Future<?>> pending = new ArrayDeque<>();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pith-write");
        t.setDaemon(true);
        return t;
    });
    private int handedOut = -1;
    static final QuantTrace.Sum WAIT = new QuantTrace.Sum(), WRITE = new QuantTrace.Sum();

    /** {@code count} buffers of {@code bufferBytes} each. */
    WriteBehind(GgufStreamWriter out, long bufferBytes, int count) {
        this.out = out;
        buffers = new MemorySegment[count];
        free = new ArrayBlockingQueue<>(count);
        for (int i = 0; i < count; i++) {
            buffers[i] = arena.allocate(Math.max(1, bufferBytes), 64);
            free.add(i);
        }
    }

    /** A buffer of {@code bytes} bytes that no write is reading; waits for one to be written if none is free. */
    MemorySegment buffer(long bytes) {
        if (handedOut >= 0) throw new IllegalStateException("the buffer handed out before was not written");
        reap();
        long t0 = WAIT.start();
        try {
            handedOut = free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a write", e);
        }
        WAIT.stop(t0);
        return buffers[handedOut].asSlice(0, bytes);
    }

    /**
     * Queues {@code data} as the bytes at {@code offset} inside tensor {@code name}: the last
     * {@link #buffer} (released once written), or a segment that stays valid until {@link #await}.
     */
    void write(String name, long offset, MemorySegment data) {
        int b = handedOut >= 0 && within(data, buffers[handedOut]) ? handedOut : -1;
        if (b >= 0) handedOut = -1;
        reap();
        pending.add(thread.submit(() -> {
            long t0 = WRITE.start();
            try {
                out.writePart(name, offset, data);
                WRITE.stop(t0);
            } finally {
                if (b >= 0) free.add(b);
            }
        }));
    }

    private static boolean within(MemorySegment data, MemorySegment buffer) {
        return data.address() >= buffer.address() && data.address() < buffer.address() + buffer.byteSize();
    }

    /** Drops the finished writes from the queue; a failed one is thrown here. */
    private void reap() {
        while (!pending.isEmpty() && pending.peekFirst().isDone()) get(pending.pollFirst());
    }

    /** Waits for every queued write; the first failure is thrown here. */
    void await() {
        while (!pending.isEmpty()) get(pending.pollFirst());
    }

    private static void get(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() {
        try {
            for (Future<?> f : pending) f.cancel(false);
            thread.shutdown();
            thread.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            arena.close();
        }
    }
}
