package dev.pith.train.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.core.Mapped;
import dev.pith.core.PithException;
import dev.pith.train.TokenSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One split (train or val) of a packed data folder, read memory-mapped: the shards the manifest
 * lists, each a flat array of little-endian uint16 or uint32 token ids, seen as one sequence.
 */
public final class TokenShards implements TokenSource, AutoCloseable {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final List<Mapped> maps = new ArrayList<>();
    private final MemorySegment[] segments;
    private final long[] starts;
    private final long size;
    private final boolean wide;
    private final int vocabSize;

    private TokenShards(List<Path> files, boolean wide, int vocabSize) {
        this.wide = wide;
        this.vocabSize = vocabSize;
        segments = new MemorySegment[files.size()];
        starts = new long[files.size() + 1];
        int width = wide ? 4 : 2;
        for (int i = 0; i < files.size(); i++) {
            Mapped m = Mapped.open(files.get(i));
            maps.add(m);
            if (m.segment().byteSize() % width != 0)
                throw new PithException(files.get(i) + " is not a whole number of " + width + "-byte tokens (truncated?).");
            segments[i] = m.segment();
            starts[i + 1] = starts[i] + m.segment().byteSize() / width;
        }
        size = starts[files.size()];
    }

    /** The split named {@code split} ("train" or "val") of the packed folder {@code dir}. */
    public static TokenShards open(Path dir, String split) {
        Manifest m = Manifest.read(dir);
        List<String> names = m.shards(split);
        List<Path> files = new ArrayList<>();
        for (String n : names) files.add(dir.resolve(n));
        return new TokenShards(files, m.dtype().equals("uint32"), m.vocabSize());
    }

    public int vocabSize() { return vocabSize; }

    @Override public long size() { return size; }

    @Override
    public int get(long index) {
        int s = segments.length == 1 ? 0 : shardOf(index);
        long local = index - starts[s];
        return wide ? segments[s].get(U32, local * 4) : Short.toUnsignedInt(segments[s].get(U16, local * 2));
    }

    private int shardOf(long index) {
        int lo = 0, hi = segments.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (starts[mid] <= index) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    @Override
    public void close() { for (Mapped m : maps) m.close(); }

    /** manifest.json of a packed folder. */
    public record Manifest(Path path, JsonNode json) {
        public static final String FILE = "manifest.json";

        static Manifest read(Path dir) {
            Path p = dir.resolve(FILE);
            if (!Files.isRegularFile(p)) throw new PithException(dir + " is not a packed data folder (no " + FILE + "; make one with pith data pack).");
            try {
                JsonNode j = new ObjectMapper().readTree(Files.readAllBytes(p));
                if (j == null || !j.isObject() || !j.path("vocab_size").canConvertToInt() || !j.path("shards").isObject())
                    throw new PithException(p + " is not a pith data manifest (vocab_size and shards are required).");
                return new Manifest(p, j);
            } catch (IOException e) {
                throw new PithException(p + " is not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + ").", e);
            }
        }

        public int vocabSize() { return json.get("vocab_size").asInt(); }
        public String dtype() { return json.path("dtype").asText("uint16"); }

        List<String> shards(String split) {
            JsonNode a = json.path("shards").path(split);
            if (!a.isArray() || a.isEmpty()) throw new PithException(path + " lists no '" + split + "' shards.");
            List<String> out = new ArrayList<>();
            for (JsonNode n : a) out.add(n.asText());
            return out;
        }
    }
}
