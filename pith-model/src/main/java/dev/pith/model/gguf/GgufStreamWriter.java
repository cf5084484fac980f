package dev.pith.model.gguf;

import dev.pith.core.PithException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes a GGUF whose tensors arrive one at a time, in any order, from any thread: the header and
 * every tensor's offset are computed up front from the types and shapes ({@link GgufWriter#header}),
 * so each tensor's bytes go straight to their place in a temporary file (positional writes) and
 * nothing of the model's size is held in memory. {@link #commit} checks every tensor arrived and
 * renames the file over the target; closing without a commit deletes it, so a failed run leaves
 * no partial output (the same promise as {@link dev.pith.core.AtomicFile}). The bytes equal what
 * {@link GgufWriter} writes for the same tensors.
 */
public final class GgufStreamWriter implements AutoCloseable {
    private final Path target;
    private final Path tmp;
    private final FileChannel channel;
    private final Map<String, GgufWriter.Slot> slots = new HashMap<>();
    private final Map<String, Long> positions = new HashMap<>();
    /** Bytes written so far per tensor (a tensor may arrive in parts). */
    private final Map<String, java.util.concurrent.atomic.AtomicLong> written = new ConcurrentHashMap<>();
    private final long end;
    private boolean committed;

    private GgufStreamWriter(Path target, Path tmp, FileChannel channel, long end) {
        this.target = target;
        this.tmp = tmp;
        this.channel = channel;
        this.end = end;
    }

    /** Creates the temporary file next to {@code target} and writes the header of a file holding {@code tensors} in order. */
    public static GgufStreamWriter open(Path target, Map<String, GgufValue> metadata, List<GgufWriter.Slot> tensors) {
        GgufWriter.Header h = GgufWriter.header(metadata, tensors);
        Path abs = target.toAbsolutePath();
        Path tmp = null;
        try {
            Files.createDirectories(abs.getParent());
            tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".tmp");
            FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
            GgufStreamWriter w = new GgufStreamWriter(abs, tmp, ch, h.bytes().length + h.dataBytes());
            for (int i = 0; i < tensors.size(); i++) {
                GgufWriter.Slot s = tensors.get(i);
                w.slots.put(s.name(), s);
                w.positions.put(s.name(), h.bytes().length + h.offsets()[i]);
            }
            w.put(ByteBuffer.wrap(h.bytes()), 0);
            return w;
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new PithException(target + ": cannot be written (" + e.getMessage() + ").", e);
        }
    }

    /** Writes tensor {@code name}'s data, exactly its {@link GgufWriter.Slot#byteSize} bytes; safe from several threads. */
    public void write(String name, MemorySegment bytes) {
        GgufWriter.Slot s = slot(name);
        if (bytes.byteSize() != s.byteSize())
            throw new IllegalArgumentException("tensor " + name + " needs " + s.byteSize() + " bytes, got " + bytes.byteSize());
        writePart(name, 0, bytes);
    }

    /**
     * Writes {@code bytes} at {@code offset} inside tensor {@code name}'s data: a tensor may arrive in
     * parts (rows encoded a chunk at a time), from several threads; parts must not overlap, and
     * {@link #commit} checks that each tensor's parts add up to its size.
     */
    public void writePart(String name, long offset, MemorySegment bytes) {
        GgufWriter.Slot s = slot(name);
        if (offset < 0 || offset + bytes.byteSize() > s.byteSize())
            throw new IllegalArgumentException("tensor " + name + " has " + s.byteSize() + " bytes; a part of " + bytes.byteSize() + " at " + offset + " does not fit");
        long total = written.computeIfAbsent(name, k -> new java.util.concurrent.atomic.AtomicLong()).addAndGet(bytes.byteSize());
        if (total > s.byteSize()) throw new IllegalStateException("tensor " + name + " was written twice");
        try {
            // a heap segment is copied once into a direct buffer by the channel; a native one is written as it is
            put(bytes.isNative() ? bytes.asByteBuffer() : ByteBuffer.wrap(bytes.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)), positions.get(name) + offset);
        } catch (IOException e) {
            throw new PithException(target + ": cannot be written (" + e.getMessage() + ").", e);
        }
    }

    private GgufWriter.Slot slot(String name) {
        GgufWriter.Slot s = slots.get(name);
        if (s == null) throw new IllegalArgumentException("tensor " + name + " is not in the file's header");
        return s;
    }

    private void put(ByteBuffer b, long position) throws IOException {
        while (b.hasRemaining()) position += channel.write(b, position);
    }

    /** Pads the file to its full length, checks every tensor was written and renames it over the target. */
    public void commit() {
        for (var e : slots.entrySet()) {
            var done = written.get(e.getKey());
            if (done == null || done.get() != e.getValue().byteSize())
                throw new IllegalStateException("tensor " + e.getKey() + (done == null ? " was never written" : " was written in part only"));
        }
        try {
            // the padding between tensors reads as zeros (never written); the file's tail must exist
            if (channel.size() < end) put(ByteBuffer.allocate((int) (end - channel.size())), channel.size());
            channel.close();
            try {
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: keep its default permissions
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            committed = true;
        } catch (IOException e) {
            throw new PithException(target + ": cannot be written (" + e.getMessage() + ").", e);
        }
    }

    @Override
    public void close() {
        if (committed) return;
        try {
            channel.close();
        } catch (IOException ignored) {
            // the file is deleted next
        }
        deleteQuietly(tmp);
    }

    private static void deleteQuietly(Path p) {
        if (p == null) return;
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the temporary file is hidden and named after the target
        }
    }
}
