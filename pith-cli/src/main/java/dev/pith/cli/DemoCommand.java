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
        "Trains a tokenizer and a small Llama-style code model, evaluates and samples it, quantizes it (Q8_0, Q4_0, Q4_K_M, GPTQ) and",
        "measures its speed, adapts it with LoRA, distills it into a smaller student, prunes it to 2:4 and curates a corpus."})
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
    /** The F32 model's log-probabilities on the held-out text, once its evaluation wrote them: each shrunk model is compared with them. */
    private Path base;
    private boolean baseWritten;

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
        base = run.resolve("f32-logprobs.kld");
        evaluate("eval F32", f32, heldOut);
        JsonNode gen = pith("generate", "generate", "--model", f32.toString(), "--prompt", "public static", "--max-tokens", "48",
                "--temperature", "0.7", "--seed", String.valueOf(seed), "--json");
        stage("generate", gen.path("generate_seconds").asDouble(), "\"public static" + gen.path("text").asText().replace("\n", "⏎") + "\"",
                Map.of("tokens_per_second", gen.path("tokens_per_second").asDouble()));

        for (String type : new String[]{"Q8_0", "Q4_0"}) {
            Path q = run.resolve("model-" + type.toLowerCase() + ".gguf");
            JsonNode cv = pith("quantize " + type, "quantize", "--model", f32.toString(), "--type", type, "--out", q.toString(), "--json");
            stage("quantize " + type, cv.path("seconds").asDouble(), String.format("%,d bytes (F32: %,d)", cv.path("bytes").asLong(), size(f32)),
                    Map.of("bytes", cv.path("bytes").asLong()));
            evaluate("eval " + type, q, heldOut);
        }
        quantizeMixture(run, f32, train, heldOut);
        gptq(run, f32, train, heldOut);
        bench(run.resolve("model-q4_0.gguf"));
        loraStage(f32, heldOut, run.resolve("lora"));
        distill(dir, train, tokenizer, f32, heldOut);
        prune(f32, train, heldOut, run);
        curate(dir);
        report(dir);
    }

    /** A few distillation steps from the trained model into a fresh student of half its width, then its perplexity. */
    private void distill(Path dir, Path train, Path tokenizer, Path teacher, Path heldOut) {
        Path shape = dir.resolve("student-shape.json"), out = dir.resolve("distill");
        try {
            Files.writeString(shape, "{\"dim\": 64, \"layers\": 2, \"heads\": 4, \"ffn_dim\": 176, \"context\": 128, \"tied\": true}");
        } catch (IOException e) {
            throw new PithException(shape + ": cannot be written (" + e.getMessage() + ").", e);
        }
        int n = Math.max(2, steps / 15); // 20 at the default: 37 steps took 16 s on the loaded 2-core machine
        JsonNode d = pith("distill", "distill", "--teacher", teacher.toString(), "--student-config", shape.toString(), "--data", train.toString(),
                "--tokenizer", tokenizer.toString(), "--loss", "kl", "--alpha", "0.5", "--temperature", "2", "--steps", String.valueOf(n), "--batch", "8",
                "--seq-len", "128", "--lr", "3e-3", "--warmup", "1", "--eval-every", "0", "--eval-batches", "4", "--seed", String.valueOf(seed),
                "--out", out.toString(), "--json");
        stage("distill", d.path("seconds").asDouble(), String.format("%,d-parameter student from the %,d-parameter model, %d steps (forward KL, α 0.5, τ 2): validation loss %.3f",
                d.path("parameters").asLong(), d.path("teacher_parameters").asLong(), n, d.path("val_loss").asDouble()),
                Map.of("val_loss", d.path("val_loss").asDouble(), "parameters", d.path("parameters").asLong(),
                        "teacher_parameters", d.path("teacher_parameters").asLong()));
        evaluate("eval student", out.resolve("model.gguf"), heldOut);
    }

    /**
     * llama.cpp's Q4_K_M mixture, importance-weighted by an imatrix from the training text. The demo
     * model's 128-wide rows hold no 256-value K block, so its matrices fall back as llama.cpp's would.
     */
    private void quantizeMixture(Path run, Path f32, Path train, Path heldOut) {
        Path im = run.resolve("imatrix.gguf"), q = run.resolve("model-q4_k_m.gguf");
        JsonNode ij = pith("imatrix", "imatrix", "--model", f32.toString(), "--calib", train.toString(), "--ctx", "128", "--chunks", "8", "--out", im.toString(), "--json");
        JsonNode qj = pith("quantize Q4_K_M", "quantize", "--model", f32.toString(), "--type", "Q4_K_M", "--imatrix", im.toString(), "--out", q.toString(), "--json");
        stage("quantize Q4_K_M", ij.path("seconds").asDouble() + qj.path("seconds").asDouble(),
                String.format("imatrix from %d chunks, %,d bytes, %.2f bits per weight, %d tensors fell back", ij.path("chunks").asInt(), qj.path("bytes").asLong(),
                        qj.path("bits_per_weight").asDouble(), qj.path("warnings").size()), Map.of("bytes", qj.path("bytes").asLong()));
        evaluate("eval Q4_K_M", q, heldOut);
    }

    /** GPTQ to Q4_0, calibrated on training text block by block, then its perplexity (to set against round-to-nearest's Q4_0 above). */
    private void gptq(Path run, Path f32, Path train, Path heldOut) {
        Path q = run.resolve("model-gptq-q4_0.gguf");
        JsonNode g = pith("quantize GPTQ Q4_0", "quantize", "--model", f32.toString(), "--type", "Q4_0", "--method", "gptq", "--calib", train.toString(),
                "--chunks", "16", "--calib-ctx", "128", "--out", q.toString(), "--json");
        stage("quantize GPTQ", g.path("seconds").asDouble(), String.format("Q4_0 by GPTQ (Hessians from 16 chunks of 128 tokens, block by block), %,d bytes",
                g.path("bytes").asLong()), Map.of("bytes", g.path("bytes").asLong()));
        evaluate("eval GPTQ", q, heldOut);
    }

    /**
     * Prompt processing and generation speed of the Q4_0 model (pith bench: random prompt, medians of 3
     * repeats after 3 warm-ups: on a model this small one warm-up left the kernels half compiled, and
     * the figure measured the JIT, 500 to 3,000 tokens/s from run to run).
     */
    private void bench(Path model) {
        long t0 = System.nanoTime();
        JsonNode b = pith("bench Q4_0", "bench", "--model", model.toString(), "--prompt-tokens", "128", "--gen-tokens", "32", "--repeats", "3",
                "--warmup", "3", "--json");
        stage("bench Q4_0", t0,
                String.format("prompt %,.0f tokens/s, generation %,.0f tokens/s (%d threads, 128 + 32 tokens, medians of 3)", b.path("prompt_tokens_per_second").asDouble(),
                        b.path("gen_tokens_per_second").asDouble(), b.path("threads").asInt()),
                Map.of("prompt_tokens_per_second", b.path("prompt_tokens_per_second").asDouble(), "gen_tokens_per_second", b.path("gen_tokens_per_second").asDouble()));
    }

    /** Adapts the model to java.util.concurrent with a LoRA adapter (its own last 10% held out), a few steps. */
    private void loraStage(Path model, Path text, Path out) {
        JsonNode ft = pith("finetune LoRA", "finetune", "--model", model.toString(), "--data", text.toString(), "--lora-rank", "8",
                "--steps", "15", "--batch", "4", "--seq-len", "64", "--lr", "5e-3", "--eval-batches", "4", "--eval-every", "0",
                "--seed", String.valueOf(seed), "--out", out.toString(), "--json");
        stage("finetune LoRA", ft.path("seconds").asDouble(), String.format("r=8 on every projection, %,d trainable parameters (%.1f%%): held-out loss %.3f → %.3f, adapter in %s",
                ft.path("trainable_parameters").asLong(), 100 * ft.path("trainable_fraction").asDouble(), ft.path("base_val_loss").asDouble(),
                ft.path("val_loss").asDouble(), out.getFileName()), Map.of("val_loss", ft.path("val_loss").asDouble(), "base_val_loss", ft.path("base_val_loss").asDouble()));
    }

    /** Curation of the JDK's java.util sources (every sub-package) from a zip: code rules and dedup, with counts in and out. */
    private void curate(Path dir) {
        Path zip = dir.resolve("jdk-java-util-src.zip");
        long t0 = System.nanoTime();
        int files = JdkSources.zipSlice(zip, "java.base/java/util/");
        JsonNode c = pith("curate", "data", "curate", "--in", zip.toString(), "--out", dir.resolve("curated").toString(), "--json");
        JsonNode stages;
        try {
            stages = Json.MAPPER.readTree(dir.resolve("curated").resolve("report.json").toFile()).path("stages");
        } catch (IOException e) {
            throw new PithException(dir.resolve("curated").resolve("report.json") + " cannot be read (" + e.getMessage() + ").", e);
        }
        Map<String, Long> removed = new LinkedHashMap<>();
        for (JsonNode s : stages) removed.put(s.path("stage").asText(), s.path("docs_in").asLong() - s.path("docs_out").asLong());
        stage("curate", t0, String.format("%d of %d java.util source files kept (%,d of %,d bytes): %d by code rules, %d exact and %d near duplicates removed",
                c.path("documents_kept").asLong(), files, c.path("bytes_kept").asLong(), c.path("bytes_in").asLong(), removed.getOrDefault("code", 0L),
                removed.getOrDefault("exact_dedup", 0L), removed.getOrDefault("near_dedup", 0L)),
                Map.of("documents_in", c.path("documents_in").asLong(), "documents_kept", c.path("documents_kept").asLong(),
                        "exact_duplicates", removed.getOrDefault("exact_dedup", 0L), "near_duplicates", removed.getOrDefault("near_dedup", 0L)));
    }

    /** 2:4 semi-structured pruning with Wanda (calibrated on training text), then the pruned model's perplexity. */
    private void prune(Path f32, Path train, Path heldOut, Path run) {
        Path out = run.resolve("model-wanda-2-4.gguf");
        JsonNode p = pith("prune 2:4", "prune", "--model", f32.toString(), "--method", "wanda", "--pattern", "2:4", "--calib", train.toString(),
                "--calib-tokens", "2048", "--out", out.toString(), "--json");
        stage("prune 2:4", p.path("seconds").asDouble(), String.format("Wanda 2:4: %,d of %,d weights left non-zero", p.path("nonzero_after").asLong(),
                p.path("params_after").asLong()), Map.of("nonzero_after", p.path("nonzero_after").asLong(), "params_after", p.path("params_after").asLong()));
        evaluate("eval 2:4", out, heldOut);
    }

    /**
     * Perplexity on held-out JDK source, llama.cpp's method at the model's context. The first model
     * evaluated (F32) leaves its log-probabilities in {@link #base}; every later one is also compared
     * with them (llama.cpp's --kl-divergence: mean KL divergence, how often the top token agrees).
     */
    private void evaluate(String name, Path model, Path heldOut) {
        List<String> args = new ArrayList<>(List.of("perplexity", "--model", model.toString(), "--file", heldOut.toString(), "--ctx", "128", "--json"));
        if (!baseWritten) args.addAll(List.of("--kl-divergence-base", base.toString()));
        JsonNode p = pith(name, args.toArray(String[]::new));
        String detail = String.format("perplexity %.3f on held-out source (%d tokens scored), %,d bytes", p.path("ppl").asDouble(), p.path("tokens").asLong(), size(model));
        Map<String, Object> figures = new LinkedHashMap<>(Map.of("ppl", p.path("ppl").asDouble(), "bytes", size(model)));
        double seconds = p.path("seconds").asDouble();
        if (baseWritten) {
            JsonNode k = pith(name, "perplexity", "--model", model.toString(), "--kl-divergence", "--kl-divergence-base", base.toString(), "--json");
            JsonNode r = k.path("report");
            detail += String.format("; against F32: KL divergence %.4f, same top token %.1f%%", r.at("/kld/value").asDouble(), 100 * r.at("/sameTop/value").asDouble());
            figures.put("kld", r.at("/kld/value").asDouble());
            figures.put("same_top", r.at("/sameTop/value").asDouble());
            seconds += k.path("seconds").asDouble();
        }
        baseWritten = true;
        stage(name, seconds, detail, figures);
    }

    private void report(Path dir) {
        PrintWriter out = spec.commandLine().getOut();
        if (output.json) {
            Json.print(out, Map.of("work", dir.toString(), "stages", stages));
            return;
        }
        out.println("Pith demo — files in " + dir);
        out.printf("%-16s %9s  %s%n", "stage", "seconds", "result");
        for (var s : stages) out.printf("%-16s %9.2f  %s%n", s.get("stage"), (Double) s.get("seconds"), s.get("detail"));
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
