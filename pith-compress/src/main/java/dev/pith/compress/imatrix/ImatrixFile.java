package dev.pith.compress.imatrix;

import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.gguf.GgufFile;
import dev.pith.model.gguf.GgufValue;
import dev.pith.model.gguf.GgufValueType;
import dev.pith.model.gguf.GgufWriter;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * llama.cpp's importance-matrix files. Written in the GGUF format llama-imatrix writes today
 * (general.type "imatrix"; per matrix {@code NAME.in_sum2} [cols, 1] and {@code NAME.counts}
 * [1, 1], F32; imatrix.datasets / chunk_count / chunk_size), which llama-quantize reads. Read in
 * that format and in the legacy .dat format (int32 count; per entry int32 name length, name,
 * int32 ncall, int32 n, n floats of mean × ncall; then int32 chunks and the dataset name).
 */
public final class ImatrixFile {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ImatrixFile() {}

    public static void write(Imatrix im, Path out) {
        try (Arena arena = Arena.ofConfined()) {
            GgufWriter w = new GgufWriter();
            w.put("general.type", GgufValue.string("imatrix"));
            w.put("imatrix.datasets", GgufValue.array(GgufValueType.STRING, List.of(im.dataset())));
            w.put("imatrix.chunk_count", GgufValue.u32(im.chunks()));
            w.put("imatrix.chunk_size", GgufValue.u32(im.chunkSize()));
            for (var e : im.entries().entrySet()) {
                float[] s = e.getValue().sums();
                MemorySegment sums = arena.allocate(4L * s.length, 64);
                for (int i = 0; i < s.length; i++) sums.setAtIndex(F32, i, s[i]);
                MemorySegment count = arena.allocate(4, 64);
                count.set(F32, 0, (float) e.getValue().count());
                w.add(new Tensor(e.getKey() + ".in_sum2", DType.F32, new long[]{s.length, 1}, sums));
                w.add(new Tensor(e.getKey() + ".counts", DType.F32, new long[]{1, 1}, count));
            }
            w.write(out);
        }
    }

    public static Imatrix read(Path file) {
        byte[] magic = new byte[4];
        try (var in = Files.newInputStream(file)) {
            if (in.readNBytes(magic, 0, 4) < 4) throw new PithException(file + " is too short to be an importance matrix.");
        } catch (IOException e) {
            throw new PithException(file + ": cannot be read (" + e.getMessage() + ").");
        }
        return new String(magic, StandardCharsets.US_ASCII).equals("GGUF") ? readGguf(file) : readLegacy(file);
    }

    private static Imatrix readGguf(Path file) {
        try (GgufFile g = GgufFile.open(file)) {
            Map<String, Imatrix.Entry> entries = new LinkedHashMap<>();
            for (Tensor t : g.tensors().values()) {
                if (!t.name().endsWith(".in_sum2")) continue;
                String name = t.name().substring(0, t.name().length() - ".in_sum2".length());
                Tensor c = g.tensor(name + ".counts");
                if (c == null || t.type() != DType.F32 || c.type() != DType.F32)
                    throw new PithException(file + ": importance matrix entry " + name + " lacks F32 sums and counts.");
                if (c.elementCount() != 1)
                    throw new PithException(file + ": importance matrix entry " + name + " is per expert; Pith reads dense models only.");
                float[] s = new float[Math.toIntExact(t.elementCount())];
                for (int i = 0; i < s.length; i++) s[i] = t.data().getAtIndex(F32, i);
                entries.put(name, new Imatrix.Entry(s, (long) c.data().get(F32, 0)));
            }
            if (entries.isEmpty()) throw new PithException(file + " holds no importance-matrix entries.");
            List<String> ds = g.has("imatrix.datasets") ? g.getStringArray("imatrix.datasets") : List.of();
            return new Imatrix(entries, ds.isEmpty() ? "" : ds.getFirst(), (int) g.getLong("imatrix.chunk_count", 0), (int) g.getLong("imatrix.chunk_size", 0));
        }
    }

    private static Imatrix readLegacy(Path file) {
        ByteBuffer b;
        try {
            b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new PithException(file + ": cannot be read (" + e.getMessage() + ").");
        }
        try {
            int n = b.getInt();
            if (n < 1) throw new PithException(file + " is neither a GGUF nor a legacy importance matrix (entry count " + n + ").");
            Map<String, Imatrix.Entry> entries = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                byte[] name = new byte[b.getInt()];
                b.get(name);
                int ncall = b.getInt(), nval = b.getInt();
                if (nval < 1) throw new PithException(file + ": legacy importance matrix entry " + (i + 1) + " has no values.");
                float[] s = new float[nval];
                for (int j = 0; j < nval; j++) s[j] = b.getFloat();
                // legacy values are mean × ncall; keep them as sums over ncall "rows" so means() divides back
                entries.put(new String(name, StandardCharsets.UTF_8), new Imatrix.Entry(s, ncall > 0 ? ncall : 1));
            }
            int chunks = b.remaining() >= 4 ? b.getInt() : 0;
            String dataset = "";
            if (b.remaining() >= 4) {
                byte[] d = new byte[Math.min(b.getInt(), b.remaining())];
                b.get(d);
                dataset = new String(d, StandardCharsets.UTF_8);
            }
            return new Imatrix(entries, dataset, chunks, 0);
        } catch (java.nio.BufferUnderflowException | NegativeArraySizeException e) {
            throw new PithException(file + " is truncated or not an importance matrix.");
        }
    }
}
