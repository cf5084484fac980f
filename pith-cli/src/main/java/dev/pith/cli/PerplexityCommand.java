package dev.pith.cli;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.runtime.Perplexity;
import dev.pith.model.runtime.Transformer;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "perplexity",
        description = {"Perplexity of a text file, by llama.cpp's llama-perplexity method (chunks of --ctx tokens,",
                "BOS first, the second half of each chunk scored), so figures compare with llama.cpp's tables."})
final class PerplexityCommand implements Runnable {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = {"-f", "--file"}, required = true, description = "UTF-8 text file to score.")
    Path file;

    @Option(names = "--chunks", defaultValue = "0", description = "Score at most this many chunks; 0 = all (default).")
    int chunks;

    @Override
    public void run() {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new PithException(file + " is not valid UTF-8 text.");
        } catch (IOException e) {
            throw new PithException(file + ": cannot be read (" + e.getMessage() + ").");
        }
        // llama.cpp's -f drops one trailing newline from the file; do the same so token counts agree.
        if (text.endsWith("\n")) text = text.substring(0, text.length() - 1);
        try (Model m = common.load()) {
            if (m.tokenizer() == null) throw new PithException(common.model + " has no tokenizer.");
            int ctx = common.ctx > 0 ? common.ctx : m.config().contextLength();
            Transformer t = new Transformer(m, common.runtime().withContextLength(ctx));
            int[] tokens = m.tokenizer().encode(text, m.tokenizer().addBosByDefault(), false);
            int total = tokens.length / ctx;
            if (chunks > 0) total = Math.min(total, chunks);
            long t0 = System.nanoTime();
            Perplexity.Result r;
            try (ProgressBar bar = Progress.bar("perplexity", total)) {
                r = Perplexity.compute(t, tokens, ctx, m.tokenizer().addBosByDefault() ? m.tokenizer().bos() : -1, chunks, done -> bar.stepTo(done));
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
