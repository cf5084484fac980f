package dev.pith.cli;

import dev.pith.core.AtomicFile;
import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.runtime.BaseLogits;
import dev.pith.model.runtime.KlDivergence;
import dev.pith.model.runtime.Perplexity;
import dev.pith.model.runtime.Transformer;
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
                "so figures compare with llama.cpp's published tables.",
                "With --kl-divergence-base FILE the base model's log-probabilities are also saved to FILE;",
                "then --kl-divergence compares another model (a quantized one) with them, as llama.cpp's",
                "--kl-divergence does: the paired perplexity ratio, KL divergence, Δp and same-top statistics."})
final class PerplexityCommand implements Runnable {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = {"-f", "--file"}, description = "UTF-8 text file to score (not needed with --kl-divergence: the base file holds the tokens).")
    Path file;

    @Option(names = "--chunks", defaultValue = "0", description = "Score at most this many chunks; 0 = all (default).")
    int chunks;

    @Option(names = "--kl-divergence-base", paramLabel = "FILE",
            description = "Where the base model's log-probabilities go (written while scoring -f), or, with --kl-divergence, are read from. llama.cpp's layout.")
    Path klBase;

    @Option(names = "--kl-divergence", description = "Compare this model with the log-probabilities in --kl-divergence-base instead of scoring a text.")
    boolean klDivergence;

    @Override
    public void run() {
        if (klDivergence) {
            if (klBase == null) throw new PithException("--kl-divergence needs --kl-divergence-base FILE, the base model's log-probabilities.");
            compare();
            return;
        }
        if (file == null) throw new PithException("perplexity needs -f FILE, the text to score (or --kl-divergence with a base file).");
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
                if (klBase == null || total == 0) {
                    r = EvalText.score(m, tokens, common.runtime(), ctx, chunks, bar::stepTo);
                } else {
                    // the base file is written as the chunks are scored, and appears only once complete
                    Perplexity.Result[] scored = new Perplexity.Result[1];
                    int vocab = m.config().vocabSize(), count = total;
                    AtomicFile.write(klBase, out -> {
                        BaseLogits.Writer base = new BaseLogits.Writer(out, ctx, vocab, count, tokens);
                        scored[0] = EvalText.score(m, tokens, common.runtime(), ctx, chunks, bar::stepTo, base::chunk);
                        base.finish();
                    });
                    r = scored[0];
                }
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
                if (klBase != null) o.put("kl_divergence_base", klBase.toString());
                o.put("seconds", seconds);
                o.put("peak_rss_bytes", dev.pith.core.ProcessStats.peakRssBytes());
                Json.print(out, o);
            } else {
                out.printf("perplexity %.4f ± %.4f over %d scored tokens (%d chunks of %d) in %.1f s%n",
                        r.ppl(), r.ppl() * r.nllStdError(), r.scoredTokens(), r.chunks(), r.ctx(), seconds);
                if (klBase != null) out.printf("base log-probabilities saved to %s%n", klBase);
                out.flush();
            }
        }
    }

    /** --kl-divergence: this model against the base file's log-probabilities. */
    private void compare() {
        try (BaseLogits.Reader base = new BaseLogits.Reader(klBase); Model m = common.load()) {
            if (m.tokenizer() == null) throw new PithException(common.model + " has no tokenizer.");
            int ctx = base.header().ctx();
            if (common.ctx > 0 && common.ctx != ctx) {
                throw new PithException(klBase + " was made with chunks of " + ctx + " tokens, not the --ctx " + common.ctx + " given: drop --ctx or give " + ctx + ".");
            }
            int total = chunks > 0 ? Math.min(chunks, base.header().chunks()) : base.header().chunks();
            Transformer t = new Transformer(m, common.runtime().withContextLength(ctx));
            int bos = m.tokenizer().addBosByDefault() ? m.tokenizer().bos() : -1;
            long t0 = System.nanoTime();
            KlDivergence.Report r;
            try (ProgressBar bar = Progress.bar("kl-divergence", total)) {
                r = KlDivergence.compare(t, base, bos, chunks, bar::stepTo);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            PrintWriter out = spec.commandLine().getOut();
            if (common.json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("model", common.model.toString());
                o.put("kl_divergence_base", klBase.toString());
                o.put("report", r);
                o.put("seconds", seconds);
                Json.print(out, o);
            } else {
                KlReportText.print(out, r);
                out.printf("%n%d positions (%d chunks of %d) in %.1f s%n", r.positions(), r.chunks(), r.ctx(), seconds);
                out.flush();
            }
        }
    }
}
