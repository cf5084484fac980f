package dev.pith.cli;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.runtime.Perplexity;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "perplexity",
        description = {"Perplexity of a text file, by llama.cpp's llama-perplexity method.",
                "Chunks of --ctx tokens, each starting with BOS, the second half of each chunk scored,",
                "so figures compare with llama.cpp's published tables."})
final class PerplexityCommand implements Runnable {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = {"-f", "--file"}, required = true, description = "UTF-8 text file to score.")
    Path file;

    @Option(names = "--chunks", defaultValue = "0", description = "Score at most this many chunks; 0 = all (default).")
    int chunks;

    @Override
    public void run() {
        String text = EvalText.read(file);
        try (Model m = common.load()) {
            if (m.tokenizer() == null) throw new PithException(common.model + " has no tokenizer.");
            int ctx = common.ctx > 0 ? common.ctx : m.config().contextLength();
            int[] tokens = EvalText.tokens(text, m.tokenizer());
            int total = tokens.length / ctx;
            if (chunks > 0) total = Math.min(total, chunks);
            long t0 = System.nanoTime();
            Perplexity.Result r;
            try (ProgressBar bar = Progress.bar("perplexity", total)) {
                r = EvalText.score(m, tokens, common.runtime(), ctx, chunks, bar::stepTo);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            PrintWriter out = spec.commandLine().getOut();
            if (common.json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("ppl", r.ppl());
                o.put("nll", r.meanNll());
                o.put("nll_stderr", r.nllStdError());
                o.put("tokens", r.scoredTokens());
                o.put("ctx", r.ctx());
                o.put("chunks", r.chunks());
                o.put("file_tokens", tokens.length);
                o.put("seconds", seconds);
                o.put("peak_rss_bytes", dev.pith.core.ProcessStats.peakRssBytes());
                Json.print(out, o);
            } else {
                out.printf("perplexity %.4f ± %.4f over %d scored tokens (%d chunks of %d) in %.1f s%n",
                        r.ppl(), r.ppl() * r.nllStdError(), r.scoredTokens(), r.chunks(), r.ctx(), seconds);
                out.flush();
            }
        }
    }
}
