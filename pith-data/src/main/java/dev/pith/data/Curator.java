package dev.pith.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.AtomicFile;
import dev.pith.core.PithException;
import dev.pith.data.dedup.NearDedup;
import dev.pith.data.read.DocSink;
import dev.pith.data.read.Inputs;
import dev.pith.data.read.ReadOptions;
import dev.pith.data.read.Shard;
import dev.pith.data.read.ShardReader;
import dev.pith.model.tokenizer.Tokenizer;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * {@code pith data curate} in-process. Two phases:
 * <ol>
 * <li>per shard (resumable): read → per-document stages ({@link DocProcessor}, a batch of documents
 * at a time on all threads) → a checkpoint file in {@code OUT/.curate-work}. A finished shard is
 * never redone; a run with a different config or inputs starts over.</li>
 * <li>global: exact and MinHash-LSH near dedup over the survivors in input order, then kept.jsonl,
 * removed.jsonl, report.json, report.html (and the token shards with a tokenizer), all atomic.</li>
 * </ol>
 */
public final class Curator {
    public static final String WORK = ".curate-work";
    static final int BATCH_DOCS = 256;
    static final long BATCH_BYTES = 8L << 20;

    /** Everything a run needs. {@code afterShard} runs when a shard's checkpoint is complete (progress; tests interrupt there). */
    public record Options(List<Path> inputs, Path out, ReadOptions read, CurateConfig config, Tokenizer tokenizer, String tokenizerName,
                          boolean pack, double valFraction, int threads, IntConsumer afterShard) {
        public Options {
            if (threads < 1) threads = Runtime.getRuntime().availableProcessors();
            if (afterShard == null) afterShard = i -> {};
        }
    }

    public record Summary(int shards, int shardsResumed, long docsIn, long docsKept, long bytesIn, long bytesKept, long tokensIn, long tokensKept,
                          double seconds, TokenPacker.Summary pack, Path out) {}

    private final Options o;
    private final DocProcessor processor;
    private final Path work;

    private Curator(Options o) {
        this.o = o;
        this.processor = new DocProcessor(o.config(), o.tokenizer());
        this.work = o.out().resolve(WORK);
    }

    /**
     * Runs the per-shard phase for the shards whose checkpoint is missing, and calls
     * {@code afterShard} for every shard once its checkpoint exists.
     */
    public interface ShardPhase {
        void run(Curator curator, List<Shard> shards);
    }

    public static Summary run(Options o) { return run(o, Curator::inProcess); }

    /** A run whose per-shard phase is {@code phase} (in-process threads, or a Spark job); the global phase is the same. */
    public static Summary run(Options o, ShardPhase phase) {
        if (o.pack() && o.tokenizer() == null) throw new PithException("--pack needs a --tokenizer to encode the kept documents with.");
        long t0 = System.nanoTime();
        List<Shard> shards = Inputs.shards(o.inputs());
        Curator c = new Curator(o);
        int resumed = c.prepareWork(shards);
        phase.run(c, shards);
        Summary sum = new Finisher(o, shards, resumed, c::shardFile, c::statsFile, t0).finish();
        c.deleteWork();
        return sum;
    }

    private static void inProcess(Curator c, List<Shard> shards) {
        ForkJoinPool pool = new ForkJoinPool(c.o.threads());
        try {
            for (Shard s : shards) {
                if (!c.done(s)) c.processShard(s, pool);
                c.o.afterShard().accept(s.index());
            }
        } finally {
            pool.shutdown();
        }
    }

    public Options options() { return o; }

    /** True when the shard's checkpoint is complete (its stats file is written last). */
    public boolean done(Shard s) { return Files.exists(statsFile(s)); }

    /** Processes one shard on {@code threads} threads (a Spark task calls this with 1). */
    public void processShard(Shard s, int threads) {
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            processShard(s, pool);
        } finally {
            pool.shutdown();
        }
    }

    /** A curator for the executor side of a distributed run: same options, no work-folder preparation. */
    public static Curator forShards(Options o) { return new Curator(o); }

    Path shardFile(Shard s) { return work.resolve(String.format("shard-%06d.jsonl", s.index())); }

    Path statsFile(Shard s) { return work.resolve(String.format("shard-%06d.stats.json", s.index())); }

    /** Keeps the finished shards of an interrupted run with the same inputs and config; returns how many. */
    private int prepareWork(List<Shard> shards) {
        String fp = fingerprint(shards);
        Path fpFile = work.resolve("fingerprint");
        try {
            if (Files.isDirectory(work) && (!Files.exists(fpFile) || !Files.readString(fpFile).equals(fp))) deleteWork();
            Files.createDirectories(work);
            if (!Files.exists(fpFile)) AtomicFile.write(fpFile, os -> os.write(fp.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new PithException(work + ": the work folder cannot be prepared (" + e.getMessage() + ").", e);
        }
        int done = 0;
        for (Shard s : shards) if (done(s)) done++;
        return done;
    }

    private String fingerprint(List<Shard> shards) {
        StringBuilder sb = new StringBuilder(o.config().toJson()).append('\n').append(o.read()).append('\n').append(o.tokenizerName()).append('\n');
        for (Shard s : shards) {
            sb.append(s.kind()).append(' ').append(s.from()).append('-').append(s.to());
            for (Path f : s.files()) {
                sb.append(' ').append(f.toAbsolutePath());
                try {
                    sb.append(':').append(Files.size(f)).append(':').append(Files.getLastModifiedTime(f).toMillis());
                } catch (IOException e) {
                    sb.append(":?");
                }
            }
            sb.append('\n');
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void deleteWork() {
        if (!Files.isDirectory(work)) return;
        try (Stream<Path> s = Files.walk(work)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new PithException(work + ": the work folder cannot be removed (" + e.getMessage() + ").", e);
        }
    }

    private void processShard(Shard shard, ForkJoinPool pool) {
        RunStats stats = new RunStats();
        AtomicFile.write(shardFile(shard), os -> {
            Writer w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16);
            List<Object> batch = new ArrayList<>();
            long[] batchBytes = {0};
            IOException[] failed = {null};
            ShardReader reader = new ShardReader(o.read(), new DocSink() {
                @Override public void doc(Doc d) {
                    batch.add(d);
                    batchBytes[0] += d.text().length();
                    if (batch.size() >= BATCH_DOCS || batchBytes[0] >= BATCH_BYTES) flush();
                }

                @Override public void skip(Removal r) { batch.add(r); }

                void flush() {
                    if (failed[0] != null) return;
                    try {
                        flushBatch(batch, pool, stats, w);
                    } catch (IOException e) {
                        failed[0] = e;
                    }
                    batch.clear();
                    batchBytes[0] = 0;
                }
            });
            reader.read(shard);
            if (failed[0] != null) throw failed[0];
            flushBatch(batch, pool, stats, w);
            w.flush();
        });
        ObjectMapper m = new ObjectMapper();
        ObjectNode s = m.createObjectNode();
        s.set("stages", stats.toJson(m, false));
        AtomicFile.write(statsFile(shard), os -> os.write(m.writeValueAsBytes(s)));
    }

    /** Runs the batch's documents through the stages in parallel, then records them in input order. */
    private void flushBatch(List<Object> batch, ForkJoinPool pool, RunStats stats, Writer w) throws IOException {
        if (batch.isEmpty()) return;
        Processed[] done = new Processed[batch.size()];
        try {
            pool.submit(() -> IntStream.range(0, batch.size()).parallel().forEach(i -> {
                if (batch.get(i) instanceof Doc d) done[i] = processor.process(d);
            })).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PithException("curation was interrupted.", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        }
        for (int i = 0; i < done.length; i++) {
            if (batch.get(i) instanceof Removal r) {
                stats.add(new StageEvent(r.stage(), r.bytes(), 0, 0, 0, r.reason(), 0, 0));
                stats.sample(r.stage(), r.reason(), r.id(), "(" + r.bytes() + " bytes not shown)");
                ShardFile.writeRemoved(w, r);
                continue;
            }
            Processed p = done[i];
            p.trace().forEach(stats::add);
            if (p.kept()) {
                ShardFile.writeKept(w, p);
            } else {
                stats.sample(p.removal().stage(), p.removal().reason(), p.id(), p.text());
                ShardFile.writeRemoved(w, p.removal());
            }
        }
    }

    /** The global phase: dedup over all checkpoints, then the output files. */
    private record Finisher(Options o, List<Shard> list, int resumed, java.util.function.Function<Shard, Path> shardFile,
                            java.util.function.Function<Shard, Path> statsFile, long t0) {
        Summary finish() {
            RunStats stats = new RunStats();
            ObjectMapper m = new ObjectMapper();
            for (Shard s : list) {
                try {
                    stats.merge(RunStats.fromJson(m.readTree(Files.readAllBytes(statsFile.apply(s))).get("stages")));
                } catch (IOException e) {
                    throw new PithException(statsFile.apply(s) + ": a curate checkpoint cannot be read (" + e.getMessage() + ").", e);
                }
            }
            // pass 1: decide duplicates in input order (index = position among survivors)
            Map<Integer, Removal> dups = new HashMap<>();
            Map<String, String> firstByHash = new HashMap<>();
            CurateConfig.Dedup dc = o.config().dedup;
            NearDedup near = dc.near ? new NearDedup(dc.bands, dc.rows, dc.threshold) : null;
            List<String> nearIds = new ArrayList<>();
            int[] index = {0};
            long[] nearNanos = {0};
            for (Shard s : list) {
                ShardFile.read(shardFile.apply(s), e -> {
                    if (!e.kept()) return;
                    int g = index[0]++;
                    long bytes = DocProcessor.utf8(e.text());
                    if (dc.exact) {
                        String first = firstByHash.putIfAbsent(e.hash(), e.id());
                        stats.add(new StageEvent("exact_dedup", bytes, e.tokens(), first == null ? bytes : 0, first == null ? e.tokens() : 0, first == null ? null : "exact_duplicate", 0, 0));
                        if (first != null) {
                            dups.put(g, new Removal(e.id(), "exact_dedup", "exact_duplicate", first, bytes));
                            stats.sample("exact_dedup", "exact_duplicate", e.id(), e.text());
                            return;
                        }
                    }
                    if (near != null) {
                        long t = System.nanoTime();
                        int root = near.add(e.signature());
                        nearNanos[0] += System.nanoTime() - t;
                        nearIds.add(e.id());
                        stats.add(new StageEvent("near_dedup", bytes, e.tokens(), root < 0 ? bytes : 0, root < 0 ? e.tokens() : 0, root < 0 ? null : "near_duplicate", 0, 0));
                        if (root >= 0) {
                            dups.put(g, new Removal(e.id(), "near_dedup", "near_duplicate", nearIds.get(root), bytes));
                            stats.sample("near_dedup", "near_duplicate", e.id(), e.text());
                        }
                    }
                });
            }
            if (near != null) stats.add(new StageEvent("near_dedup:lsh", 0, 0, 0, 0, null, 0, nearNanos[0]));

            // pass 2: the output files, in input order
            long[] kept = {0, 0, 0}; // docs, bytes, tokens
            Path keptFile = o.out().resolve("kept.jsonl"), removedFile = o.out().resolve("removed.jsonl");
            AtomicFile.write(keptFile, ko -> AtomicFile.write(removedFile, ro -> {
                Writer kw = new BufferedWriter(new OutputStreamWriter(ko, StandardCharsets.UTF_8), 1 << 16);
                Writer rw = new BufferedWriter(new OutputStreamWriter(ro, StandardCharsets.UTF_8), 1 << 16);
                int[] g = {0};
                IOException[] failed = {null};
                for (Shard s : list) {
                    ShardFile.read(shardFile.apply(s), e -> {
                        try {
                            if (!e.kept()) {
                                OutputRecords.removed(rw, e.id(), e.stage(), e.reason(), null);
                                return;
                            }
                            Removal d = dups.get(g[0]++);
                            if (d != null) {
                                OutputRecords.removed(rw, d.id(), d.stage(), d.reason(), d.duplicateOf());
                            } else {
                                OutputRecords.kept(kw, e.id(), e.text());
                                kept[0]++;
                                kept[1] += DocProcessor.utf8(e.text());
                                kept[2] += e.tokens();
                            }
                        } catch (IOException ex) {
                            if (failed[0] == null) failed[0] = ex;
                        }
                    });
                }
                if (failed[0] != null) throw failed[0];
                rw.flush();
                kw.flush();
            }));
            TokenPacker.Summary pack = o.pack() ? packKept(keptFile) : null;
            RunStats.Stage read = stats.stages.get("read");
            long docsIn = read == null ? 0 : read.docsIn, bytesIn = read == null ? 0 : read.bytesIn, tokensIn = read == null ? 0 : read.tokensOut;
            Summary sum = new Summary(list.size(), resumed, docsIn, kept[0], bytesIn, kept[1], tokensIn, kept[2], (System.nanoTime() - t0) / 1e9, pack, o.out());
            Report.write(o, stats, sum);
            return sum;
        }

        private TokenPacker.Summary packKept(Path keptFile) {
            try (TokenPacker p = new TokenPacker(o.tokenizer(), o.tokenizerName(), o.out().resolve("pack"))) {
                OutputRecords.readKept(keptFile, (id, text) -> {
                    try {
                        p.add(text);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                return p.finish(o.valFraction());
            }
        }
    }
}
