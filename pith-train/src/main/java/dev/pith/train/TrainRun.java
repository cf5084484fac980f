package dev.pith.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.PithException;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A whole run around a {@link Trainer}: steps until the target, evaluation every
 * {@code evalEvery} steps and at the end, a checkpoint every {@code checkpointEvery} steps and at
 * the end (out/checkpoint.bin), one JSON line of metrics per step (out/metrics.jsonl). Resuming
 * restores the checkpoint and truncates the metrics file to the steps it covers, so the file reads
 * as one uninterrupted run.
 */
public final class TrainRun {
    public static final String CHECKPOINT = "checkpoint.bin";
    public static final String METRICS = "metrics.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Settings(int evalEvery, int evalBatches, int checkpointEvery, Path out) {}

    /** Called after every step and evaluation (for a progress bar). */
    public interface Listener {
        void step(long step, double loss, double tokensPerSecond);
        default void eval(long step, double valLoss) {}
    }

    public record Result(double trainLoss, double valLoss, double tokensPerSecond, double seconds, long steps, long startStep) {}

    private final Trainer trainer;
    private final Settings settings;
    private ObjectNode runSettings;

    public TrainRun(Trainer trainer, Settings settings) {
        this.trainer = trainer;
        this.settings = settings;
    }

    /**
     * Records settings that decide what the run computes beyond the trainer's own (distillation's
     * teacher, loss, α, τ, …) in every checkpoint; {@link #resume} then refuses a run whose
     * settings differ. A checkpoint that recorded none (older runs) is resumed as before.
     */
    public TrainRun recording(ObjectNode settings) {
        this.runSettings = settings;
        return this;
    }

    public Path checkpointFile() { return settings.out().resolve(CHECKPOINT); }

    /** Restores the run from out/checkpoint.bin; returns its step. */
    public long resume() {
        Checkpoint.Loaded c = Checkpoint.load(checkpointFile());
        if (!c.config().equals(trainer.model().config()))
            throw new PithException(checkpointFile() + " holds a model of another shape than this run's; use another --out or drop --resume.");
        if (runSettings != null) checkSettings(c.extra());
        c.restore(trainer);
        truncateMetrics(trainer.step());
        return trainer.step();
    }

    public Result run(Listener listener) {
        long start = trainer.step();
        int steps = trainer.options().steps();
        long t0 = System.nanoTime();
        double lastLoss = Double.NaN, valLoss = Double.NaN;
        // the mean of recent steps is a steadier "train loss" than the last batch
        double recentSum = 0;
        int recentN = 0, window = Math.max(1, Math.min(50, steps / 10));
        try (Writer metrics = Files.newBufferedWriter(settings.out().resolve(METRICS), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            while (trainer.step() < steps) {
                long ts = System.nanoTime();
                double lr = trainer.learningRate();
                double loss = trainer.trainStep();
                if (!Double.isFinite(loss)) throw new PithException("the training loss became " + loss + " at step " + trainer.step() + "; lower --lr or raise --warmup.");
                double secs = (System.nanoTime() - ts) / 1e9;
                long s = trainer.step();
                lastLoss = loss;
                if (steps - s < window) {
                    recentSum += loss;
                    recentN++;
                }
                ObjectNode line = JSON.createObjectNode();
                line.put("step", s);
                line.put("loss", loss);
                line.put("lr", lr);
                line.put("grad_norm", trainer.lastGradNorm());
                line.put("tokens_per_second", trainer.tokensPerStep() / secs);
                boolean last = s == steps;
                if (settings.evalEvery() > 0 && (s % settings.evalEvery() == 0 || last) || last) {
                    valLoss = trainer.evaluate(settings.evalBatches());
                    if (!Double.isNaN(valLoss)) line.put("val_loss", valLoss);
                    listener.eval(s, valLoss);
                }
                metrics.write(JSON.writeValueAsString(line));
                metrics.write('\n');
                if (settings.checkpointEvery() > 0 && s % settings.checkpointEvery() == 0 || last) {
                    metrics.flush();
                    Checkpoint.save(checkpointFile(), trainer, runSettings);
                }
                double elapsed = (System.nanoTime() - t0) / 1e9;
                listener.step(s, loss, (s - start) * trainer.tokensPerStep() / elapsed);
            }
        } catch (IOException e) {
            throw new PithException(settings.out().resolve(METRICS) + ": cannot be written (" + e.getMessage() + ").", e);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long done = trainer.step() - start;
        double trainLoss = recentN > 0 ? recentSum / recentN : lastLoss;
        if (done == 0) valLoss = trainer.evaluate(settings.evalBatches());
        return new Result(trainLoss, valLoss, done == 0 ? 0 : done * trainer.tokensPerStep() / seconds, seconds, trainer.step(), start);
    }

    private void checkSettings(com.fasterxml.jackson.databind.JsonNode stored) {
        if (!stored.isObject()) return;
        java.util.Set<String> keys = new java.util.TreeSet<>();
        stored.fieldNames().forEachRemaining(keys::add);
        runSettings.fieldNames().forEachRemaining(keys::add);
        for (String k : keys) {
            var was = stored.get(k);
            var now = runSettings.get(k);
            if (!java.util.Objects.equals(was, now))
                throw new PithException(checkpointFile() + " was written by a run with " + k + " " + shown(was) + ", but this run has "
                        + shown(now) + "; resume with the same settings or choose another --out.");
        }
    }

    private static String shown(com.fasterxml.jackson.databind.JsonNode v) {
        return v == null || v.isNull() ? "none" : v.isTextual() ? v.asText() : v.toString();
    }

    /** Keeps the metrics lines of steps up to {@code step} (a killed run may have logged steps past its checkpoint). */
    private void truncateMetrics(long step) {
        Path p = settings.out().resolve(METRICS);
        if (!Files.exists(p)) return;
        try {
            StringBuilder kept = new StringBuilder();
            for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                try {
                    if (JSON.readTree(line).path("step").asLong(Long.MAX_VALUE) <= step) kept.append(line).append('\n');
                } catch (IOException torn) {
                    // a line cut by the kill: drop it
                }
            }
            dev.pith.core.AtomicFile.write(p, os -> os.write(kept.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new PithException(p + ": cannot be read (" + e.getMessage() + ").", e);
        }
    }
}
