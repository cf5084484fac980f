package dev.pith.cli;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.runtime.Generator;
import dev.pith.model.runtime.Perplexity;
import dev.pith.model.runtime.SamplerSettings;
import dev.pith.model.runtime.Transformer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The end-to-end job a new user runs first. Today: load a model, generate from it, measure its
 * perplexity, and report each stage; later capabilities (training, compression) add their stages.
 */
@Command(name = "demo", description = "Run Pith's end-to-end pipeline on a small model and print a report of each stage.")
final class DemoCommand implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = {"-m", "--model"}, description = "Model to run (default: the shared stories260K GGUF, ../shared/data/models/stories260K-f32.gguf).")
    Path model;

    @Option(names = "--text", description = "Text for the perplexity stage (default: the shared WikiText-2 test split).")
    Path text;

    @Option(names = "--chunks", defaultValue = "40", description = "Perplexity chunks to score (default ${DEFAULT-VALUE}; 0 = all).")
    int chunks;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    boolean json;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    @Override
    public void run() {
        Path m = model != null ? model : sharedData("models/stories260K-f32.gguf");
        Path t = text != null ? text : sharedData("text/wikitext-2-test.txt");
        PrintWriter out = spec.commandLine().getOut();
        List<Map<String, Object>> stages = new ArrayList<>();
        try (Model loaded = timed(stages, "load", () -> Models.load(m))) {
            stages.getLast().put("detail", loaded.config().architecture() + ", " + loaded.parameterCount() + " parameters, " + loaded.byteSize() + " bytes");
            Transformer tr = new Transformer(loaded);
            Generator.Result g = timed(stages, "generate", () -> new Generator(tr).generate("Once upon a time", 48, SamplerSettings.greedy(), null));
            String continuation = loaded.tokenizer().decode(g.tokens());
            stages.getLast().put("detail", g.tokens().length + " tokens greedy: \"Once upon a time" + continuation + "\"");
            stages.getLast().put("tokens_per_second", g.tokens().length / Math.max(1e-9, g.generateSeconds()));
            String corpus = read(t);
            int ctx = Math.min(128, loaded.config().contextLength());
            Perplexity.Result p = timed(stages, "perplexity", () -> {
                int[] ids = loaded.tokenizer().encode(corpus, true, false);
                return Perplexity.compute(new Transformer(loaded, tr.options().withContextLength(ctx)), ids, ctx, loaded.tokenizer().bos(), chunks, null);
            });
            stages.getLast().put("detail", String.format("ppl %.4f on %s (%d tokens scored, ctx %d)", p.ppl(), t.getFileName(), p.scoredTokens(), ctx));
            stages.getLast().put("ppl", p.ppl());
        }
        if (json) {
            Json.print(out, Map.of("model", m.toString(), "stages", stages));
        } else {
            out.println("Pith demo: " + m);
            out.printf("%-12s %10s  %s%n", "stage", "seconds", "result");
            for (var s : stages) out.printf("%-12s %10.3f  %s%n", s.get("stage"), (Double) s.get("seconds"), s.get("detail"));
            out.flush();
        }
    }

    private static <T> T timed(List<Map<String, Object>> stages, String name, java.util.function.Supplier<T> body) {
        long t0 = System.nanoTime();
        T r = body.get();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("stage", name);
        s.put("seconds", (System.nanoTime() - t0) / 1e9);
        stages.add(s);
        return r;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PithException(p + ": cannot be read (" + e.getMessage() + ").");
        }
    }

    /** A file of the shared data folder, found beside the checkout ($PITH_SHARED or ../shared). */
    static Path sharedData(String rel) {
        String env = System.getenv("PITH_SHARED");
        String prop = System.getProperty("pith.shared");
        Path base = env != null ? Path.of(env) : prop != null ? Path.of(prop) : Path.of("..", "shared");
        Path p = base.resolve("data").resolve(rel);
        if (!Files.exists(p)) throw new PithException(p + ": not found; pass --model (and --text), or set PITH_SHARED to the shared folder.");
        return p;
    }
}
