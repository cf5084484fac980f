package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pith.core.AtomicFile;
import dev.pith.core.Parallel;
import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.train.distill.EndpointTeacher;
import dev.pith.train.distill.GenerationJob;
import dev.pith.train.distill.LocalTeacherWriter;
import dev.pith.train.distill.TeacherWriter;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "generate", sortOptions = false,
        description = {"Sequence-level distillation data: the teacher's completion of every prompt, one JSON line each",
                "({\"id\", \"prompt\", \"completion\"}) in --out. The teacher is a local model (--teacher) or an OpenAI-compatible",
                "endpoint (--teacher-url; the API key is read from the environment variable --api-key-env). 429 and 5xx answers are",
                "retried with back-off; malformed answers are skipped and counted; rerunning resumes without duplicating an example.",
                "--text-out writes prompt + completion as plain text for pith train / pith distill --data (works across tokenizers)."})
final class DistillGenerateCommand implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--teacher", paramLabel = "PATH", description = "A local teacher model.") Path teacher;
    @Option(names = "--teacher-url", paramLabel = "URL", description = "An OpenAI-compatible endpoint (e.g. http://localhost:8080/v1).") String teacherUrl;
    @Option(names = "--model", paramLabel = "NAME", description = "The model name the endpoint expects.") String model;
    @Option(names = "--api-key-env", paramLabel = "VAR", defaultValue = "OPENAI_API_KEY", description = "Environment variable holding the API key (default ${DEFAULT-VALUE}; unset = no key).") String apiKeyEnv;
    @Option(names = "--prompts", required = true, paramLabel = "FILE", description = "Prompts: one a line, or JSON lines with a \"prompt\".") Path prompts;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The JSON-lines output (appended to, and resumed).") Path out;
    @Option(names = "--text-out", paramLabel = "FILE", description = "Also write prompt + completion as plain text (examples separated by a blank line).") Path textOut;
    @Option(names = "--max-tokens", defaultValue = "128", paramLabel = "N", description = "Tokens per completion (default ${DEFAULT-VALUE}).") int maxTokens;
    @Option(names = "--temperature", defaultValue = "0.7", paramLabel = "T", description = "Sampling temperature (default ${DEFAULT-VALUE}).") double temperature;
    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed; prompt i uses seed + i (default ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--concurrency", defaultValue = "4", paramLabel = "N", description = "Requests in flight to an endpoint (default ${DEFAULT-VALUE}).") int concurrency;
    @Option(names = "--retries", defaultValue = "5", paramLabel = "N", description = "Retries of a 429, 5xx or failed connection (default ${DEFAULT-VALUE}).") int retries;
    @Option(names = "--backoff-ms", defaultValue = "1000", paramLabel = "MS", description = "First retry delay, doubling each time (default ${DEFAULT-VALUE}).") long backoffMs;
    @Option(names = "--threads", paramLabel = "N", description = "Threads of a local teacher (default: all cores).") Integer threads;
    @Mixin OutputOptions output;

    @Override
    public void run() {
        long t0 = System.nanoTime();
        if (threads != null) Parallel.setThreads(threads);
        if ((teacher == null) == (teacherUrl == null)) throw new PithException("give exactly one of --teacher MODEL and --teacher-url URL.");
        if (maxTokens < 1) throw new PithException("--max-tokens must be at least 1, got " + maxTokens + ".");
        List<String> ps = GenerationJob.readPrompts(prompts);
        GenerationJob.Result r;
        try (Model local = teacher == null ? null : Models.load(teacher);
             ProgressBar bar = output.json ? null : Progress.bar("generate", ps.size())) {
            TeacherWriter w = local != null ? new LocalTeacherWriter(local, maxTokens, temperature, seed)
                    : new EndpointTeacher(teacherUrl, model, System.getenv(apiKeyEnv), maxTokens, temperature, seed, retries, backoffMs);
            r = GenerationJob.run(ps, w, out, local != null ? 1 : concurrency, n -> { if (bar != null) bar.stepTo(n); });
        }
        if (textOut != null) writeText();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("out", out.toString());
        o.put("prompts", r.prompts());
        o.put("already_done", r.alreadyDone());
        o.put("written", r.written());
        o.put("malformed", r.malformed());
        o.put("seconds", (System.nanoTime() - t0) / 1e9);
        if (output.json) Json.print(spec.commandLine().getOut(), o);
        else spec.commandLine().getOut().printf("%d of %d prompts answered in %s (%d this run, %d malformed answers skipped)%n",
                r.alreadyDone() + r.written(), r.prompts(), out, r.written(), r.malformed());
    }

    private void writeText() {
        StringBuilder sb = new StringBuilder();
        try {
            for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                JsonNode n = Json.MAPPER.readTree(line);
                sb.append(n.path("prompt").asText()).append(n.path("completion").asText()).append("\n\n");
            }
        } catch (IOException e) {
            throw new PithException(out + ": cannot be read (" + e.getMessage() + ").", e);
        }
        AtomicFile.write(textOut, os -> os.write(sb.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
