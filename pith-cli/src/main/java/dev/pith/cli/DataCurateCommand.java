package dev.pith.cli;

import dev.pith.core.PithException;
import dev.pith.data.CurateConfig;
import dev.pith.data.Curator;
import dev.pith.data.read.ReadOptions;
import dev.pith.data.spark.SparkCurator;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.model.tokenizer.Tokenizers;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code pith data curate}: the CLI face of {@link Curator}. */
@Command(name = "curate", description = {"Filter, deduplicate, decontaminate and score a corpus; write kept.jsonl, removed.jsonl and a report (JSON and HTML).",
        "Inputs: text files (one document each, or one per line with --lines), JSONL, zip and tar.gz archives of source files, folders of these.",
        "Resumable: run the same command again after an interruption and finished shards are not redone."})
final class DataCurateCommand implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--in", split = ",", arity = "1..*", paramLabel = "PATH", description = "Input files or folders (.jsonl, .zip/.jar, .tar.gz/.tgz, anything else is text).")
    List<Path> in;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder.")
    Path out;

    @Option(names = "--config", paramLabel = "FILE", description = "JSON thresholds (see --print-config for every key and its default).")
    Path config;

    @Option(names = "--print-config", description = "Print the default configuration and exit.")
    boolean printConfig;

    @Option(names = "--lines", description = "Every line of a text file is a document (id path#line).")
    boolean lines;

    @Option(names = "--text-field", defaultValue = "text", paramLabel = "NAME", description = "JSONL field holding the text (default ${DEFAULT-VALUE}).")
    String textField;

    @Option(names = "--id-field", defaultValue = "id", paramLabel = "NAME", description = "JSONL field holding the id (default ${DEFAULT-VALUE}).")
    String idField;

    @Option(names = "--decontam", split = ",", paramLabel = "FILE", description = "Evaluation files: drop documents sharing a 13-gram (decontam.ngram) with them.")
    List<Path> decontam;

    @Option(names = "--classifier", paramLabel = "FILE", description = "A quality classifier from pith data score --train: drop documents scoring below classifier.min_score.")
    Path classifier;

    @Option(names = "--perplexity-model", paramLabel = "MODEL", description = "A small reference model: drop documents in the perplexity buckets listed in perplexity.drop_buckets.")
    Path perplexityModel;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer.json: count tokens with it (default: whitespace words) and, with --pack, encode.")
    Path tokenizer;

    @Option(names = "--pack", description = "Also write the kept documents as training shards (OUT/pack: train.bin, val.bin, manifest.json).")
    boolean pack;

    @Option(names = "--val-fraction", defaultValue = "0.1", paramLabel = "F", description = "With --pack: share of tokens kept for validation (default ${DEFAULT-VALUE}).")
    double valFraction;

    @Option(names = "--spark", paramLabel = "MASTER", description = "Run the per-shard stages as an Apache Spark job (local[*] or a cluster master URL); needs spark-core 4.2 on the class path.")
    String spark;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "Threads (default: all cores).")
    int threads;

    @Mixin OutputOptions output;

    @Override
    public void run() {
        if (printConfig) {
            spec.commandLine().getOut().println(CurateConfig.defaults().toJson());
            return;
        }
        if (in == null || out == null) throw new PithException("pith data curate needs --in and --out (see --help).");
        CurateConfig cfg = CurateConfig.read(config);
        if (decontam != null) decontam.forEach(f -> cfg.decontam.files.add(f.toString()));
        if (classifier != null) cfg.classifier.model = classifier.toString();
        if (perplexityModel != null) cfg.perplexity.model = perplexityModel.toString();
        Tokenizer tok = tokenizer == null ? null : Tokenizers.fromHfJson(tokenizer);
        ReadOptions read = new ReadOptions(lines, textField, idField, cfg.read.maxDocBytes);
        Curator.Summary s;
        try (ProgressBar bar = Progress.bar("curate", 0)) {
            Curator.Options opts = new Curator.Options(in, out, read, cfg, tok, tokenizer == null ? null : tokenizer.toAbsolutePath().toString(), pack, valFraction, threads,
                    i -> { bar.maxHint(Math.max(bar.getMax(), i + 1)); bar.stepTo(i + 1); });
            s = spark == null ? Curator.run(opts) : SparkCurator.run(opts, spark);
        }
        if (output.json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("out", out.toString());
            o.put("documents_in", s.docsIn());
            o.put("documents_kept", s.docsKept());
            o.put("bytes_in", s.bytesIn());
            o.put("bytes_kept", s.bytesKept());
            o.put("tokens_in", s.tokensIn());
            o.put("tokens_kept", s.tokensKept());
            o.put("shards", s.shards());
            o.put("shards_resumed", s.shardsResumed());
            o.put("seconds", s.seconds());
            if (s.pack() != null) o.put("train_tokens", s.pack().trainTokens());
            if (s.pack() != null) o.put("val_tokens", s.pack().valTokens());
            Json.print(spec.commandLine().getOut(), o);
        } else {
            spec.commandLine().getOut().printf("%s: kept %,d of %,d documents (%,d of %,d bytes) in %.1f s; see %s%n", out, s.docsKept(), s.docsIn(),
                    s.bytesKept(), s.bytesIn(), s.seconds(), out.resolve("report.html"));
        }
    }
}
