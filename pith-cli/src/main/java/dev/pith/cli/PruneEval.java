package dev.pith.cli;

import dev.pith.model.Model;
import dev.pith.model.runtime.RuntimeOptions;
import dev.pith.model.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The perplexity figures of a {@code pith prune} report: every {@code --eval} file is scored at each
 * stage (before, after pruning, after recovery). The first file's figures also go to the report's
 * top level ({@code ppl_before}, {@code ppl_after}, {@code ppl_after_recovery}), where scripts that
 * pass one file read them; {@code evals} lists every file's.
 */
final class PruneEval {
    private final List<Path> files;
    private final List<int[]> tokens = new ArrayList<>();
    private final List<Map<String, Object>> results = new ArrayList<>();
    private final RuntimeOptions options;
    private final int ctx, chunks;

    PruneEval(List<Path> files, Tokenizer tok, RuntimeOptions options, int ctx, int chunks) {
        this.files = files;
        this.options = options;
        this.ctx = ctx;
        this.chunks = chunks;
        for (Path f : files) {
            tokens.add(EvalText.tokens(f, tok));
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("file", f.toString());
            results.add(r);
        }
    }

    boolean any() { return !files.isEmpty(); }

    /** Scores the model on every file and records the figures under {@code key} (ppl_before, ...). */
    void measure(Model m, String key) {
        for (int i = 0; i < files.size(); i++) results.get(i).put(key, EvalText.perplexity(m, tokens.get(i), options, ctx, chunks));
    }

    void report(Map<String, Object> o) {
        if (!any()) return;
        for (Map.Entry<String, Object> e : results.get(0).entrySet()) o.put(e.getKey().equals("file") ? "eval" : e.getKey(), e.getValue());
        o.put("evals", results);
    }
}
