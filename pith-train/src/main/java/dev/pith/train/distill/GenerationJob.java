package dev.pith.train.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.PithException;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sequence-level distillation data: one JSON line {"id", "prompt", "completion"} per prompt, written
 * by a teacher, appended and flushed as each answer arrives. Rerunning after an interruption reads
 * the ids already in the file (dropping a line the interruption cut), and asks only for the
 * others, so no example is duplicated or lost. Up to {@code concurrency} prompts are in flight.
 */
public final class GenerationJob {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Result(int prompts, int alreadyDone, int written, int malformed) {}

    private GenerationJob() {}

    /** Prompts: one a line, or JSON lines with a "prompt" field; blank lines are skipped. */
    public static List<String> readPrompts(Path file) {
        if (!Files.isRegularFile(file)) throw new PithException(file + ": no such prompt file.");
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                if (line.startsWith("{")) {
                    JsonNode p = JSON.readTree(line).path("prompt");
                    if (!p.isTextual()) throw new PithException(file + " has a JSON line without a text \"prompt\": " + abbreviate(line) + ".");
                    out.add(p.asText());
                } else {
                    out.add(line);
                }
            }
        } catch (IOException e) {
            throw new PithException(file + " cannot be read as prompts (" + e.getMessage().lines().findFirst().orElse("") + ").", e);
        }
        if (out.isEmpty()) throw new PithException(file + " holds no prompts (it is empty or blank).");
        return out;
    }

    /** Asks the teacher for every prompt not yet in {@code out}. */
    public static Result run(List<String> prompts, TeacherWriter teacher, Path out, int concurrency, java.util.function.IntConsumer progress) {
        if (concurrency < 1) throw new PithException("--concurrency must be at least 1, got " + concurrency + ".");
        Set<Long> done = doneIds(out);
        AtomicInteger written = new AtomicInteger(), malformed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            List<Future<?>> jobs = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                long id = i;
                if (done.contains(id)) continue;
                String prompt = prompts.get(i);
                jobs.add(pool.submit(() -> {
                    String completion = teacher.complete(id, prompt);
                    if (completion == null) {
                        malformed.incrementAndGet();
                    } else {
                        ObjectNode line = JSON.createObjectNode();
                        line.put("id", id);
                        line.put("prompt", prompt);
                        line.put("completion", completion);
                        synchronized (w) {
                            w.write(line.toString());
                            w.write('\n');
                            w.flush();
                        }
                        written.incrementAndGet();
                    }
                    progress.accept(written.get() + malformed.get());
                    return null;
                }));
            }
            for (Future<?> f : jobs) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    pool.shutdownNow();
                    Throwable c = e.getCause();
                    if (c instanceof PithException p)
                        throw new PithException(p.getMessage() + " " + (done.size() + written.get()) + " of " + prompts.size()
                                + " examples are in " + out + "; rerun the same command to continue.", p);
                    throw new IllegalStateException(c);
                }
            }
        } catch (IOException e) {
            throw new PithException(out + ": cannot be written (" + e.getMessage() + ").", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PithException("interrupted; the examples so far are kept in " + out + ".");
        } finally {
            pool.shutdownNow();
        }
        return new Result(prompts.size(), done.size(), written.get(), malformed.get());
    }

    /** Ids of the complete lines in {@code out}; a torn last line (an interrupted write) is cut off. */
    static Set<Long> doneIds(Path out) {
        Set<Long> ids = new TreeSet<>();
        if (!Files.exists(out)) return ids;
        try {
            byte[] all = Files.readAllBytes(out);
            int keep = 0, start = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] != '\n') continue;
                String line = new String(all, start, i - start, StandardCharsets.UTF_8);
                start = i + 1;
                if (line.isBlank()) {
                    keep = start;
                    continue;
                }
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (IOException e) {
                    throw new PithException(out + " has a line that is not JSON (" + abbreviate(line) + "); it is not an output of pith distill generate.");
                }
                if (!n.path("id").canConvertToLong()) throw new PithException(out + " has a line without an \"id\" (" + abbreviate(line) + ").");
                ids.add(n.path("id").asLong());
                keep = start;
            }
            if (keep < all.length) {
                try (var ch = java.nio.channels.FileChannel.open(out, StandardOpenOption.WRITE)) {
                    ch.truncate(keep);
                }
            }
        } catch (IOException e) {
            throw new PithException(out + ": cannot be read (" + e.getMessage() + ").", e);
        }
        return ids;
    }

    private static String abbreviate(String s) { return s.length() > 60 ? s.substring(0, 60) + "…" : s; }
}
