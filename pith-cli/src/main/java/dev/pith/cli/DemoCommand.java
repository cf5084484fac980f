package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pith.core.PithException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The end-to-end job a new user runs first, self-contained: it takes a slice of the JDK's own
 * sources ($JAVA_HOME/lib/src.zip), trains a tokenizer and a small code model on it, measures the
 * model, samples from it, then shrinks it to 8 and 4 bits and measures again. Every stage is an
 * ordinary pith command run in-process, so the report shows exactly what the CLI does; each later
 * capability adds its stage and its row.
 */
@Command(name = "demo", description = {"Run Pith's end-to-end pipeline on built-in data (the JDK's own sources) and print a report of each stage.",
        "Trains a tokenizer and a small Llama-style code model, evaluates and samples it, then quantizes it to Q8_0 and Q4_0."})
final class DemoCommand implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--work", paramLabel = "DIR", description = "Folder for the demo's files (default: a new temporary folder).")
    Path work;

    @Option(names = "--steps", defaultValue = "300", description = "Training steps (default ${DEFAULT-VALUE}; about a minute on 2 cores).")
    int steps;

    @Option(names = "--corpus-bytes", defaultValue = "1500000", description = "Bytes of JDK source to train on (default ${DEFAULT-VALUE}).")
    int corpusBytes;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the training run and the sample (default ${DEFAULT-VALUE}).")
    long seed;

    @Mixin OutputOptions output;

    private final List<Map<String, Object>> stages = new ArrayList<>();

    @Override
    public void run() {
        Path dir = workFolder();
        Path train = dir.resolve("jdk-train.java.txt");
        Path heldOut = dir.resolve("jdk-heldout.java.txt");
        Path tokenizer = dir.resolve("tokenizer.json");
        Path run = dir.resolve("run");

        long t0 = System.nanoTime();
        JdkSources.Slice slice = JdkSources.write(train, heldOut, corpusBytes);
        stage("data", t0, String.format("%,d bytes of JDK source (%d files of java.util) to train on, %,d held out (java.util.concurrent)",
                slice.trainBytes(), slice.trainFiles(), slice.heldOutBytes()), Map.of("train_bytes", slice.trainBytes(), "heldout_bytes", slice.heldOutBytes()));

        JsonNode tok = pith("tokenize-train", "tokenizer", "train", "--in", train.toString(), "--vocab-size", "1024", "--out", tokenizer.toString(), "--json");
        stage("tokenizer", tok.path("seconds").asDouble(), String.format("byte-level BPE, %d tokens (%d merges)", tok.path("vocab_size").asInt(), tok.path("merges").asInt()),
                Map.of("vocab_size", tok.path("vocab_size").asInt()));

        JsonNode tr = pith("train", "train", "--preset", "demo", "--data", train.toString(), "--tokenizer", tokenizer.toString(),
                "--steps", String.valueOf(steps), "--batch", "8", "--seq-len", "128", "--lr", "3e-3", "--warmup", String.valueOf(Math.max(1, steps / 10)),
                "--eval-every", String.valueOf(Math.max(1, steps / 3)), "--seed", String.valueOf(seed), "--out", run.toString(), "--json");
        stage("train", tr.path("seconds").asDouble(), String.format("%,d parameters, %d steps: train loss %.3f, validation loss %.3f, %,.0f tokens/s",
                tr.path("parameters").asLong(), tr.path("steps").asLong(), tr.path("train_loss").asDouble(), tr.path("val_loss").asDouble(),
                tr.path("tokens_per_second").asDouble()), Map.of("val_loss", tr.path("val_loss").asDouble(), "train_loss", tr.path("train_loss").asDouble(),
                "tokens_per_second", tr.path("tokens_per_second").asDouble()));

        Path f32 = run.resolve("model.gguf");
        evaluate("eval F32", f32, heldOut);
        JsonNode gen = pith("generate", "generate", "--model", f32.toString(), "--prompt", "public static", "--max-tokens", "48",
                "--temperature", "0.7", "--seed", String.valueOf(seed), "--json");
        stage("generate", gen.path("generate_seconds").asDouble(), "\"public static" + gen.path("text").asText().replace("\n", "⏎") + "\"",
                Map.of("tokens_per_second", gen.path("tokens_per_second").asDouble()));

        for (String type : new String[]{"Q8_0", "Q4_0"}) {
            Path q = run.resolve("model-" + type.toLowerCase() + ".gguf");
            JsonNode cv = pith("quantize " + type, "convert", "--model", f32.toString(), "--type", type, "--out", q.toString(), "--json");
            stage("quantize " + type, cv.path("seconds").asDouble(), String.format("%,d bytes (F32: %,d)", cv.path("bytes").asLong(), size(f32)),
                    Map.of("bytes", cv.path("bytes").asLong()));
            evaluate("eval " + type, q, heldOut);
        }
        prune(f32, train, heldOut, run);
        report(dir);
    }

    /** Perplexity on held-out JDK source, llama.cpp's method at the model's context. */
    private void evaluate(String name, Path model, Path heldOut) {
        JsonNode p = pith(name, "perplexity", "--model", model.toString(), "--file", heldOut.toString(), "--ctx", "128", "--json");
        stage(name, p.path("seconds").asDouble(), String.format("perplexity %.3f on held-out source (%d tokens scored), %,d bytes",
                p.path("ppl").asDouble(), p.path("tokens").asLong(), size(model)), Map.of("ppl", p.path("ppl").asDouble(), "bytes", size(model)));
    }

    /** Wanda 2:4 on the trained model, calibrated on training text; perplexity before and after on the first held-out chunks. */
    private void prune(Path model, Path train, Path heldOut, Path run) {
        Path out = run.resolve("model-wanda-2of4.gguf");
        JsonNode p = pith("prune wanda 2:4", "prune", "--model", model.toString(), "--method", "wanda", "--pattern", "2:4",
                "--calib", train.toString(), "--calib-seqs", "16", "--calib-len", "64", "--eval", heldOut.toString(), "--ctx", "128",
                "--eval-chunks", "16", "--out", out.toString(), "--json");
        stage("prune wanda 2:4", p.path("seconds").asDouble(), String.format("half of every projection's weights zeroed (2 of each 4): perplexity %.3f -> %.3f on %d held-out chunks",
                p.path("ppl_before").asDouble(), p.path("ppl_after").asDouble(), 16),
                Map.of("ppl_before", p.path("ppl_before").asDouble(), "ppl_after", p.path("ppl_after").asDouble(), "sparsity", p.path("matrix_sparsity").asDouble()));
    }

    private void report(Path dir) {
        PrintWriter out = spec.commandLine().getOut();
        if (output.json) {
            Json.print(out, Map.of("work", dir.toString(), "stages", stages));
            return;
        }
        out.println("Pith demo — files in " + dir);
        out.printf("%-14s %9s  %s%n", "stage", "seconds", "result");
        for (var s : stages) out.printf("%-14s %9.2f  %s%n", s.get("stage"), (Double) s.get("seconds"), s.get("detail"));
        out.flush();
    }

    private void stage(String name, long startNanos, String detail, Map<String, Object> figures) {
        stage(name, (System.nanoTime() - startNanos) / 1e9, detail, figures);
    }

    private void stage(String name, double seconds, String detail, Map<String, Object> figures) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("stage", name);
        s.put("seconds", seconds);
        s.put("detail", detail);
        s.putAll(figures);
        stages.add(s);
    }

    /** Runs one pith command in-process with --json and returns its object; its failure is the demo's. */
    private JsonNode pith(String stage, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = Main.run(new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8), args);
        if (code != 0) throw new PithException("demo stage '" + stage + "' failed: " + e.toString(StandardCharsets.UTF_8).strip());
        try {
            return Json.MAPPER.readTree(o.toByteArray());
        } catch (IOException ex) {
            throw new PithException("demo stage '" + stage + "' printed no JSON object.", ex);
        }
    }

    private Path workFolder() {
        try {
            if (work == null) return Files.createTempDirectory("pith-demo-");
            Files.createDirectories(work);
            return work;
        } catch (IOException e) {
            throw new PithException((work == null ? "a temporary folder" : work) + " cannot be created (" + e.getMessage() + ").");
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }
}
