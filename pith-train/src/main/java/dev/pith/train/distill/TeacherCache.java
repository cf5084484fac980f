package dev.pith.train.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.AtomicFile;
import dev.pith.core.PithException;
import dev.pith.train.BatchSampler;
import dev.pith.train.TokenSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;

/**
 * A teacher's logits computed once over every aligned window of the training tokens and kept on
 * disk as the top K per position, for offline distillation (the teacher need not be loaded again).
 *
 * <p>Folder layout: {@code cache.json} (sequence length, K, vocabulary, window count, windows per
 * shard, token count and CRC-32 of the training tokens, the teacher's name) and
 * {@code shard-NNNNN.bin}, each covering {@code windowsPerShard} consecutive windows. Per position:
 * K int32 token ids, K float32 logits, and one float32 "rest" logit: the logits outside the top K
 * are all replaced by this one value, chosen so that their total probability at temperature 1 is
 * kept (rest = log Σ exp(missing) − log(V − K)). With K = vocabulary nothing is replaced and the
 * cache reproduces the live teacher exactly. Shards are written atomically, so an interrupted
 * {@link #build} resumes by computing only the shards that are missing.
 */
public final class TeacherCache implements Teacher {
    public static final String MANIFEST = "cache.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a cache covers; two caches (or a cache and a run) fit together when these agree. */
    public record Layout(int seqLen, int topK, int vocab, long windows, int windowsPerShard, long tokens, long tokensCrc, String teacher) {
        long positionBytes() { return 8L * topK + 4; }
        long shardBytes(int shard) {
            long first = (long) shard * windowsPerShard, n = Math.min(windowsPerShard, windows - first);
            return n * seqLen * positionBytes();
        }
        public int shards() { return (int) ((windows + windowsPerShard - 1) / windowsPerShard); }
    }

    private final Path dir;
    private final Layout layout;
    private final ByteBuffer[] shards;

    private TeacherCache(Path dir, Layout layout) {
        this.dir = dir;
        this.layout = layout;
        this.shards = new ByteBuffer[layout.shards()];
    }

    public Layout layout() { return layout; }
    @Override public int vocabSize() { return layout.vocab; }

    public static Path shardFile(Path dir, int shard) { return dir.resolve(String.format("shard-%05d.bin", shard)); }

    /** The layout a cache of {@code tokens} would have. */
    public static Layout layoutFor(TokenSource tokens, int seqLen, int topK, int vocab, int windowsPerShard, String teacher) {
        if (topK < 1 || topK > vocab) throw new PithException("--top-k must lie between 1 and the vocabulary of " + vocab + ", got " + topK + ".");
        if (windowsPerShard < 1) throw new PithException("--shard-windows must be at least 1, got " + windowsPerShard + ".");
        long windows = BatchSampler.alignedWindows(tokens.size(), seqLen);
        if (windows < 1) throw new PithException("the training data holds " + tokens.size() + " tokens, too few for one window of " + seqLen + ".");
        return new Layout(seqLen, topK, vocab, windows, windowsPerShard, tokens.size(), crc(tokens), teacher);
    }

    /** Progress of {@link #build}: one call per shard computed or found complete. */
    public interface Listener { void shard(int done, int total, boolean reused); }

    /**
     * Computes every missing shard of the cache in {@code dir} (creating it, or resuming one with the
     * same layout; a cache of other data or settings is refused), {@code batch} windows at a time.
     */
    public static TeacherCache build(Path dir, Teacher teacher, TokenSource tokens, Layout layout, int batch, Listener listener) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new PithException(dir + ": cannot be created (" + e.getMessage() + ").", e);
        }
        Path manifest = dir.resolve(MANIFEST);
        if (Files.exists(manifest)) {
            Layout old = readLayout(dir);
            if (!sameCoverage(old, layout))
                throw new PithException(dir + " holds a teacher cache of other data or settings (" + describe(old) + "); choose another --out.");
        } else {
            writeLayout(manifest, layout);
        }
        int seq = layout.seqLen, v = layout.vocab, k = layout.topK;
        int[] in = new int[batch * seq];
        long[] offs = new long[batch];
        float[] logits = new float[batch * seq * v];
        for (int s = 0; s < layout.shards(); s++) {
            Path f = shardFile(dir, s);
            long bytes = layout.shardBytes(s);
            if (Files.isRegularFile(f) && f.toFile().length() == bytes) {
                listener.shard(s + 1, layout.shards(), true);
                continue;
            }
            long first = (long) s * layout.windowsPerShard, n = bytes / (seq * layout.positionBytes());
            ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
            for (long w = 0; w < n; w += batch) {
                int b = (int) Math.min(batch, n - w);
                for (int r = 0; r < b; r++) {
                    offs[r] = (first + w + r) * seq;
                    for (int i = 0; i < seq; i++) in[r * seq + i] = tokens.get(offs[r] + i);
                }
                teacher.logits(in, offs, b, seq, logits);
                for (int p = 0; p < b * seq; p++) TopK.write(logits, p * v, v, k, out);
            }
            AtomicFile.write(f, os -> os.write(out.array()));
            listener.shard(s + 1, layout.shards(), false);
        }
        return open(dir);
    }

    /** Opens a complete cache; every shard must be present and of its size. */
    public static TeacherCache open(Path dir) {
        Layout l = readLayout(dir);
        TeacherCache c = new TeacherCache(dir, l);
        for (int s = 0; s < l.shards(); s++) {
            Path f = shardFile(dir, s);
            long bytes = l.shardBytes(s);
            if (!Files.isRegularFile(f) || f.toFile().length() != bytes)
                throw new PithException(f + " is missing or incomplete (" + bytes + " bytes expected); finish the cache with pith distill cache (it resumes).");
        }
        return c;
    }

    /** Refuses to distill from this cache on other tokens, another window length or another vocabulary. */
    public void checkFits(TokenSource tokens, int seqLen, int vocab) {
        if (seqLen != layout.seqLen)
            throw new PithException(dir + " caches windows of " + layout.seqLen + " tokens; run with --seq-len " + layout.seqLen + " (got " + seqLen + ").");
        if (vocab != layout.vocab)
            throw new PithException(dir + " caches a teacher vocabulary of " + layout.vocab + " tokens, but the student has " + vocab + ".");
        if (tokens.size() != layout.tokens || crc(tokens) != layout.tokensCrc)
            throw new PithException(dir + " was cached on other training data (" + layout.tokens + " tokens); rebuild it for this --data.");
    }

    @Override
    public void logits(int[] inputs, long[] offsets, int batch, int seq, float[] out) {
        int v = layout.vocab;
        for (int r = 0; r < batch; r++) {
            if (offsets[r] % layout.seqLen != 0) throw new IllegalArgumentException("window at " + offsets[r] + " is not aligned to " + layout.seqLen);
            long w = offsets[r] / layout.seqLen;
            int s = (int) (w / layout.windowsPerShard);
            ByteBuffer b = shard(s);
            long pos = (w - (long) s * layout.windowsPerShard) * seq * layout.positionBytes();
            for (int i = 0; i < seq; i++) TopK.read(b, Math.toIntExact(pos + i * layout.positionBytes()), layout.topK, out, (r * seq + i) * v, v);
        }
    }

    private synchronized ByteBuffer shard(int s) {
        if (shards[s] == null) {
            Path f = shardFile(dir, s);
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                shards[s] = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
            } catch (IOException e) {
                throw new PithException(f + ": cannot be read (" + e.getMessage() + ").", e);
            }
        }
        return shards[s];
    }

    private static boolean sameCoverage(Layout a, Layout b) {
        return a.seqLen == b.seqLen && a.topK == b.topK && a.vocab == b.vocab && a.windows == b.windows
                && a.windowsPerShard == b.windowsPerShard && a.tokens == b.tokens && a.tokensCrc == b.tokensCrc;
    }

    private static String describe(Layout l) {
        return "windows of " + l.seqLen + ", top " + l.topK + " of " + l.vocab + ", " + l.tokens + " tokens, " + l.windowsPerShard + " windows per shard";
    }

    private static void writeLayout(Path manifest, Layout l) {
        ObjectNode n = JSON.createObjectNode();
        n.put("format", "pith-teacher-cache");
        n.put("version", 1);
        n.put("seq_len", l.seqLen);
        n.put("top_k", l.topK);
        n.put("vocab", l.vocab);
        n.put("windows", l.windows);
        n.put("windows_per_shard", l.windowsPerShard);
        n.put("tokens", l.tokens);
        n.put("tokens_crc32", l.tokensCrc);
        n.put("teacher", l.teacher);
        AtomicFile.write(manifest, os -> os.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n)));
    }

    private static Layout readLayout(Path dir) {
        Path m = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(m)) throw new PithException(dir + " is not a teacher cache (no " + MANIFEST + "); make one with pith distill cache.");
        JsonNode n;
        try {
            n = JSON.readTree(m.toFile());
        } catch (IOException e) {
            throw new PithException(m + " is not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + ").", e);
        }
        if (!"pith-teacher-cache".equals(n.path("format").asText()) || n.path("version").asInt() != 1)
            throw new PithException(m + " is not a version 1 Pith teacher cache.");
        Layout l = new Layout(n.path("seq_len").asInt(), n.path("top_k").asInt(), n.path("vocab").asInt(), n.path("windows").asLong(),
                n.path("windows_per_shard").asInt(), n.path("tokens").asLong(), n.path("tokens_crc32").asLong(), n.path("teacher").asText());
        if (l.seqLen < 1 || l.topK < 1 || l.topK > l.vocab || l.windows < 1 || l.windowsPerShard < 1)
            throw new PithException(m + " describes an impossible cache (" + describe(l) + ").");
        return l;
    }

    /** CRC-32 of the token ids, so a cache is never used with other data by mistake. */
    static long crc(TokenSource tokens) {
        CRC32 c = new CRC32();
        ByteBuffer b = ByteBuffer.allocate(4 * 4096).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < tokens.size(); i++) {
            b.putInt(tokens.get(i));
            if (!b.hasRemaining()) {
                c.update(b.array(), 0, b.position());
                b.clear();
            }
        }
        c.update(b.array(), 0, b.position());
        return c.getValue();
    }
}
