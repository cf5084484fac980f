package dev.pith.data;

import dev.pith.data.dedup.MinHasher;
import dev.pith.data.filter.C4Lines;
import dev.pith.data.filter.CodeRules;
import dev.pith.data.filter.DocFilter;
import dev.pith.data.filter.GopherQuality;
import dev.pith.data.filter.Verdict;
import dev.pith.data.quality.Decontaminator;
import dev.pith.data.quality.HashedNgramClassifier;
import dev.pith.data.quality.PerplexityScorer;
import dev.pith.model.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The per-document stages, in order: normalise, heuristic filters (Gopher, C4, code), decontamination,
 * perplexity buckets, the quality classifier; then, for survivors, the exact hash and MinHash
 * signature the global dedup stage needs. Thread-safe: documents of a batch run in parallel.
 */
public final class DocProcessor {
    private final List<DocFilter> filters = new ArrayList<>();
    private final Decontaminator decontam;
    private final PerplexityScorer perplexity;
    private final HashedNgramClassifier classifier;
    private final MinHasher minHasher;
    private final Tokenizer tokenizer;
    private final CurateConfig cfg;

    public DocProcessor(CurateConfig cfg, Tokenizer tokenizer) {
        this.cfg = cfg;
        this.tokenizer = tokenizer;
        if (!cfg.mode.equals("none")) {
            filters.add(new GopherQuality(cfg.gopher, cfg.mode));
            filters.add(new C4Lines(cfg.c4, cfg.mode));
            filters.add(new CodeRules(cfg.code, cfg.mode));
        }
        decontam = cfg.decontam.files.isEmpty() ? null : new Decontaminator(cfg.decontam.files.stream().map(Path::of).toList(), cfg.decontam.ngram);
        perplexity = cfg.perplexity.model == null ? null : new PerplexityScorer(Path.of(cfg.perplexity.model), cfg.perplexity.maxTokens);
        classifier = cfg.classifier.model == null ? null : HashedNgramClassifier.load(Path.of(cfg.classifier.model));
        minHasher = cfg.dedup.near ? new MinHasher(cfg.dedup.shingle.equals("word"), cfg.dedup.shingleSize, cfg.dedup.numPerm, cfg.dedup.seed) : null;
    }

    /** Tokens by the given tokenizer, or whitespace words when there is none. */
    public long tokens(String text) {
        if (tokenizer != null) return tokenizer.encode(text).length;
        long n = 0;
        boolean in = false;
        for (int i = 0; i < text.length(); i++) {
            boolean ws = Character.isWhitespace(text.charAt(i));
            if (!ws && !in) n++;
            in = !ws;
        }
        return n;
    }

    public Processed process(Doc raw) {
        List<StageEvent> trace = new ArrayList<>();
        long t0 = System.nanoTime();
        String text = Normalizer.normalize(raw.text());
        long bytes = utf8(text), tokens = tokens(text);
        long rawBytes = utf8(raw.text());
        if (text.isEmpty()) {
            trace.add(new StageEvent("read", rawBytes, 0, 0, 0, "empty", 0, System.nanoTime() - t0));
            return removed(raw.id(), "read", "empty", rawBytes, raw.text(), trace);
        }
        trace.add(new StageEvent("read", rawBytes, tokens, bytes, tokens, null, 0, System.nanoTime() - t0));
        Doc doc = new Doc(raw.id(), text);
        for (DocFilter f : filters) {
            if (!f.appliesTo(doc)) continue;
            long s = System.nanoTime();
            Verdict v = f.apply(doc);
            if (v.removed()) {
                trace.add(new StageEvent(f.name(), bytes, tokens, 0, 0, v.reason(), 0, System.nanoTime() - s));
                return removed(doc.id(), f.name(), v.reason(), bytes, doc.text(), trace);
            }
            if (!v.text().equals(doc.text())) {
                doc = new Doc(doc.id(), v.text());
                long nb = utf8(doc.text()), nt = tokens(doc.text());
                trace.add(new StageEvent(f.name(), bytes, tokens, nb, nt, null, v.linesDropped(), System.nanoTime() - s));
                bytes = nb;
                tokens = nt;
            } else {
                trace.add(new StageEvent(f.name(), bytes, tokens, bytes, tokens, null, 0, System.nanoTime() - s));
            }
        }
        if (decontam != null) {
            long s = System.nanoTime();
            boolean hit = decontam.contaminated(doc.text());
            trace.add(new StageEvent("decontam", bytes, tokens, hit ? 0 : bytes, hit ? 0 : tokens, hit ? "eval_" + cfg.decontam.ngram + "gram_overlap" : null, 0, System.nanoTime() - s));
            if (hit) return removed(doc.id(), "decontam", "eval_" + cfg.decontam.ngram + "gram_overlap", bytes, doc.text(), trace);
        }
        if (perplexity != null) {
            long s = System.nanoTime();
            String bucket = PerplexityScorer.bucket(perplexity.perplexity(doc.text()), cfg.perplexity.headMax, cfg.perplexity.middleMax);
            boolean drop = cfg.perplexity.dropBuckets.contains(bucket);
            trace.add(new StageEvent("perplexity", bytes, tokens, drop ? 0 : bytes, drop ? 0 : tokens, drop ? "bucket_" + bucket : null, 0, System.nanoTime() - s));
            if (drop) return removed(doc.id(), "perplexity", "bucket_" + bucket, bytes, doc.text(), trace);
        }
        if (classifier != null) {
            long s = System.nanoTime();
            boolean drop = classifier.score(doc.text()) < cfg.classifier.minScore;
            trace.add(new StageEvent("classifier", bytes, tokens, drop ? 0 : bytes, drop ? 0 : tokens, drop ? "low_score" : null, 0, System.nanoTime() - s));
            if (drop) return removed(doc.id(), "classifier", "low_score", bytes, doc.text(), trace);
        }
        long s = System.nanoTime();
        String hash = cfg.dedup.exact ? sha256(doc.text()) : null;
        long hashNanos = System.nanoTime() - s;
        s = System.nanoTime();
        int[] sig = minHasher == null ? null : minHasher.signature(doc.text());
        long sigNanos = System.nanoTime() - s;
        // the dedup stages' own events are added when the global pass decides; their hashing time travels here
        trace.add(new StageEvent("exact_dedup:hash", 0, 0, 0, 0, null, 0, hashNanos));
        trace.add(new StageEvent("near_dedup:hash", 0, 0, 0, 0, null, 0, sigNanos));
        return new Processed(doc.id(), doc.text(), tokens, hash, sig, null, trace);
    }

    /** A removed document keeps its text only so the report can show samples of what went. */
    private static Processed removed(String id, String stage, String reason, long bytes, String text, List<StageEvent> trace) {
        return new Processed(id, text, 0, null, null, Removal.of(id, stage, reason, bytes), trace);
    }

    static long utf8(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n++;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
