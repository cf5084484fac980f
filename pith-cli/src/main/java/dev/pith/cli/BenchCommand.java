package dev.pith.cli;

import dev.pith.core.Parallel;
import dev.pith.core.ProcessStats;
import dev.pith.model.Model;
import dev.pith.model.runtime.Transformer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

@Command(name = "bench",
        description = {"Measure inference speed: prompt processing and generation tokens/s (medians of repeats), load time, peak RSS.",
                "Each repeat starts from an empty cache, processes --prompt-tokens random tokens in one batch, then generates",
                "--gen-tokens tokens one at a time after them (greedy). Untimed warm-up repeats run first, by default until",
                "the JIT compilers are quiet for two whole repeats in a row (or one of 30 s; at most 12 repeats or a minute)."})
final class BenchCommand implements Runnable {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = "--prompt-tokens", defaultValue = "512", description = "Prompt length (default ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--gen-tokens", defaultValue = "128", description = "Tokens to generate (default ${DEFAULT-VALUE}).")
    int genTokens;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed repeats; medians are reported (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmup", defaultValue = "auto", description = "Untimed warm-up repeats, or auto: until the JIT compilers work less than 5 %% of two repeats in a row (default ${DEFAULT-VALUE}).")
    String warmup;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the random prompt (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public void run() {
        int fixedWarmup = warmupCount(warmup);
        if (promptTokens < 1 || genTokens < 0 || repeats < 1)
            throw new IllegalArgumentException("--prompt-tokens and --repeats must be positive, --gen-tokens not negative.");
        long t0 = System.nanoTime();
        try (Model m = common.load()) {
            int ctx = common.ctx > 0 ? common.ctx : promptTokens + genTokens;
            Transformer t = new Transformer(m, common.runtime().withContextLength(ctx));
            double load = (System.nanoTime() - t0) / 1e9;
            int[] prompt = randomPrompt(m, promptTokens, seed);
            int warmups = fixedWarmup;
            if (fixedWarmup < 0) warmups = JitWarmup.untilQuiet(() -> once(t, prompt));
            else for (int i = 0; i < fixedWarmup; i++) once(t, prompt);
            double[] pp = new double[repeats], tg = new double[repeats];
            PrintWriter err = spec.commandLine().getErr();
            if (!common.json) err.printf("%d warm-up repeat%s%n", warmups, warmups == 1 ? "" : "s");
            for (int i = 0; i < repeats; i++) {
                double[] r = once(t, prompt);
                pp[i] = r[0];
                tg[i] = r[1];
                if (!common.json) err.printf("repeat %d: prompt %.2f tok/s, generation %.2f tok/s%n", i + 1, pp[i], tg[i]);
            }
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", common.model.toString());
            o.put("threads", Parallel.threads());
            o.put("prompt_tokens", promptTokens);
            o.put("gen_tokens", genTokens);
            o.put("repeats", repeats);
            o.put("warmup_runs", warmups);
            o.put("prompt_tokens_per_second", median(pp));
            o.put("gen_tokens_per_second", median(tg));
            o.put("prompt_runs", pp);
            o.put("gen_runs", tg);
            o.put("load_seconds", load);
            o.put("peak_rss_bytes", ProcessStats.peakRssBytes());
            o.put("weight_bytes", m.byteSize());
            // What one generated token must stream from memory: every matrix once, except an untied
            // embedding table, of which only one row is read.
            long embd = m.has("output.weight") && m.has("token_embd.weight") ? m.tensor("token_embd.weight").byteSize() : 0;
            o.put("bytes_per_token", m.byteSize() - embd);
            // Block matrices as the runtime multiplies them (sparse forms where --sparse auto chose them).
            o.put("sparse_matrices", t.sparseMatrices());
            o.put("block_matrix_bytes", t.blockMatrixBytes());
            PrintWriter out = spec.commandLine().getOut();
            if (common.json) Json.print(out, o);
            else out.printf("%s: prompt %.2f tok/s, generation %.2f tok/s (medians of %d, %d threads), load %.2f s, peak RSS %,d bytes%n",
                    common.model, median(pp), median(tg), repeats, Parallel.threads(), load, ProcessStats.peakRssBytes());
        }
    }

    /** --warmup: "auto" (-1) or a count of at least 0. */
    static int warmupCount(String value) {
        if ("auto".equals(value)) return -1;
        try {
            int n = Integer.parseInt(value);
            if (n >= 0) return n;
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new IllegalArgumentException("--warmup must be auto or a count of at least 0, not '" + value + "'.");
    }

    /** One timed prompt + generation from an empty cache: {prompt tok/s, generation tok/s}. */
    private double[] once(Transformer t, int[] prompt) {
        t.reset();
        long a = System.nanoTime();
        float[] logits = t.forward(prompt);
        long b = System.nanoTime();
        int[] one = new int[1];
        for (int i = 0; i < genTokens; i++) {
            one[0] = argmax(logits);
            logits = t.forward(one);
        }
        long c = System.nanoTime();
        return new double[]{prompt.length / ((b - a) / 1e9), genTokens == 0 ? 0 : genTokens / ((c - b) / 1e9)};
    }

    /** Random ordinary token ids (no special tokens at the ends of the range), the model's BOS first when it has one. */
    static int[] randomPrompt(Model m, int n, long seed) {
        int vocab = m.config().vocabSize();
        SplittableRandom r = new SplittableRandom(seed);
        int[] p = new int[n];
        int lo = vocab > 1000 ? 260 : 0, hi = Math.min(vocab, 32000);
        for (int i = 0; i < n; i++) p[i] = lo + r.nextInt(hi - lo);
        if (m.tokenizer() != null && m.tokenizer().bos() >= 0) p[0] = m.tokenizer().bos();
        return p;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
