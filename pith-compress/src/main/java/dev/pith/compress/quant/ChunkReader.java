package dev.pith.compress.quant;

import dev.pith.core.LargePages;
import dev.pith.core.PithException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads byte ranges of a file ahead of the quantizer on a thread of its own, in order, into a few
 * reused buffers. The file is opened for direct I/O where the file system allows it (O_DIRECT: the
 * disk writes into the buffer, no page-cache copy and no page faults), so a cold read costs almost
 * no CPU and both cores stay with the encoders; reading through the memory mapping instead cost
 * about a core for the page faults of a 5 GB input on this VM. Ranges are widened to the file
 * system's block for the direct read; each chunk handed out is exactly the range asked for.
 *
 * <p>Two reads are in flight at a time (two reader threads, taking alternate ranges): one
 * synchronous read at a time leaves the disk idle between requests and measured slower than
 * {@code dd} of the same file; two keep it busy. A reader may run at most as many ranges ahead of
 * the consumer as there are buffers, so the range the consumer waits for always gets one.
 */
final class ChunkReader implements AutoCloseable {
    /** A byte range of the file: {@code bytes} bytes at {@code offset}. */
    record Range(long offset, long bytes) {}

    /** One range's bytes, valid until {@link #release}d. */
    record Chunk(int index, MemorySegment data, int buffer) {}

    private final Path file;
    private final FileChannel channel;
    private final long align;
    private final Arena arena = Arena.ofShared();
    /** The buffers, each allocated by the reader that first needs it (so many of them cost nothing before the first read). */
    private final MemorySegment[] buffers;
    private final long bufferSize;
    private final BlockingQueue<Integer> free;
    /** Per range: its chunk, or the failure that stopped its read; filled by the readers, emptied by {@link #take}. */
    private final Object[] ready;
    private final Thread[] threads;
    private int taken, released;
    private volatile Throwable failure;

    static final QuantTrace.Sum READ = new QuantTrace.Sum(), WAIT = new QuantTrace.Sum(), TAKE = new QuantTrace.Sum();

    /** Concurrent reads. */
    private static final int READERS = 2;

    /** Starts reading {@code ranges} in order into {@code count} buffers; no range may exceed {@code bufferBytes}. */
    ChunkReader(Path file, List<Range> ranges, long bufferBytes, int count) {
        this.file = file;
        FileChannel ch;
        long a;
        try {
            a = Math.max(512, Files.getFileStore(file).getBlockSize());
            ch = open(file, true);
        } catch (IOException | UnsupportedOperationException e) {
            a = 4096;
            ch = null;
        }
        try {
            if (ch == null) ch = open(file, false);
        } catch (IOException e) {
            throw new PithException(file + ": cannot be read (" + e.getMessage() + ").", e);
        }
        channel = ch;
        align = a;
        bufferSize = (bufferBytes + 2 * align + align - 1) / align * align;
        buffers = new MemorySegment[count];
        free = new ArrayBlockingQueue<>(count);
        ready = new Object[ranges.size()];
        for (int i = 0; i < count; i++) free.add(i);
        threads = new Thread[READERS];
        for (int j = 0; j < READERS; j++) {
            int first = j;
            threads[j] = Thread.ofPlatform().daemon().name("pith-read-" + j).start(() -> readAll(ranges, first));
        }
    }

    private static FileChannel open(Path file, boolean direct) throws IOException {
        OpenOption[] opts = direct ? new OpenOption[] {StandardOpenOption.READ, com.sun.nio.file.ExtendedOpenOption.DIRECT}
                : new OpenOption[] {StandardOpenOption.READ};
        return FileChannel.open(file, opts);
    }

    /** Reads ranges first, first + READERS, …; each waits until it is fewer than the buffer count ahead of the consumer. */
    private void readAll(List<Range> ranges, int first) {
        try {
            for (int i = first; i < ranges.size(); i += READERS) {
                long w0 = WAIT.start();
                synchronized (this) {
                    while (i >= released + buffers.length) wait();
                }
                int b = free.take();
                WAIT.stop(w0);
                long r0 = READ.start();
                // allocated on first use (16 zeroed up front were a quarter second before the first read), in huge
                // pages: 4 KiB faults on ~46 fresh buffers cost a second of system time (LargePages)
                if (buffers[b] == null) buffers[b] = LargePages.allocate(bufferSize, arena);
                Chunk c = new Chunk(i, read(ranges.get(i), buffers[b]), b);
                READ.stop(r0);
                if (QuantTrace.ON && (i < 2 || i % 32 == 0 || i == ranges.size() - 1)) QuantTrace.mark("read chunk " + i + " of " + ranges.size());
                synchronized (this) {
                    ready[i] = c;
                    notifyAll();
                }
            }
        } catch (InterruptedException e) {
            // closed
        } catch (Throwable e) {
            synchronized (this) {
                failure = e;
                notifyAll();
            }
        }
    }

    /** Reads the blocks covering {@code r} into {@code buf}; the slice that is exactly {@code r}. */
    private MemorySegment read(Range r, MemorySegment buf) throws IOException {
        long start = r.offset() / align * align;
        long end = (r.offset() + r.bytes() + align - 1) / align * align;
        ByteBuffer bb = buf.asSlice(0, end - start).asByteBuffer();
        long need = r.offset() + r.bytes() - start;
        while (bb.position() < need) {
            int n = channel.read(bb, start + bb.position());
            if (n < 0) throw new PithException(file + ": ends before the tensor data it describes.");
        }
        return buf.asSlice(r.offset() - start, r.bytes());
    }

    /** The next range's bytes, in the order given; waits for the read. */
    Chunk take() {
        Object o;
        long t0 = TAKE.start();
        try {
            synchronized (this) {
                while (ready[taken] == null && failure == null) wait();
                o = ready[taken] != null ? ready[taken] : failure;
                ready[taken] = null;
                taken++;
            }
            TAKE.stop(t0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + file, e);
        }
        if (o instanceof Chunk c) return c;
        Throwable e = (Throwable) o;
        if (e instanceof PithException p) throw p;
        throw new PithException(file + ": cannot be read (" + e.getMessage() + ").", e);
    }

    /** Hands a chunk's buffer back for the next read. */
    void release(Chunk c) {
        free.add(c.buffer());
        synchronized (this) {
            released++;
            notifyAll();
        }
    }

    @Override
    public void close() {
        for (Thread t : threads) t.interrupt();
        try {
            for (Thread t : threads) t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // read-only
        }
        arena.close();
    }
}
