package dev.pith.compress.quant;

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
    private final MemorySegment[] buffers;
    private final BlockingQueue<Integer> free;
    private final BlockingQueue<Object> ready;
    private final Thread thread;

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
        long size = (bufferBytes + 2 * align + align - 1) / align * align;
        buffers = new MemorySegment[count];
        free = new ArrayBlockingQueue<>(count);
        ready = new ArrayBlockingQueue<>(count + 1);
        for (int i = 0; i < count; i++) {
            buffers[i] = arena.allocate(size, align);
            free.add(i);
        }
        thread = Thread.ofPlatform().daemon().name("pith-read").start(() -> readAll(ranges));
    }

    private static FileChannel open(Path file, boolean direct) throws IOException {
        OpenOption[] opts = direct ? new OpenOption[] {StandardOpenOption.READ, com.sun.nio.file.ExtendedOpenOption.DIRECT}
                : new OpenOption[] {StandardOpenOption.READ};
        return FileChannel.open(file, opts);
    }

    private void readAll(List<Range> ranges) {
        try {
            for (int i = 0; i < ranges.size(); i++) {
                int b = free.take();
                ready.put(new Chunk(i, read(ranges.get(i), buffers[b]), b));
            }
        } catch (InterruptedException e) {
            // closed
        } catch (Throwable e) {
            ready.offer(e);
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
        try {
            Object o = ready.take();
            if (o instanceof Chunk c) {
                return c;
            }
            Throwable e = (Throwable) o;
            if (e instanceof PithException p) throw p;
            throw new PithException(file + ": cannot be read (" + e.getMessage() + ").", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + file, e);
        }
    }

    /** Hands a chunk's buffer back for the next read. */
    void release(Chunk c) {
        free.add(c.buffer());
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join();
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
