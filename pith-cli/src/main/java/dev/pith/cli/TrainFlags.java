package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.Parallel;
import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.ModelWriters;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.LrSchedule;
import dev.pith.train.ModelBridge;
import dev.pith.train.TokenSource;
import dev.pith.train.TrainOptions;
import dev.pith.train.TrainRun;
import dev.pith.train.Trainer;
import dev.pith.train.data.TokenShards;
import dev.pith.train.data.TokenizerTraining;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The options and the run loop that every training command shares (pith train, pith distill): the
 * optimizer, schedule, batch shape, evaluation, checkpoints, data and output folder, each also
 * readable from a --config JSON file (flags win), and the steps around a {@link Trainer}: load the
 * data, refuse an existing run unless --resume, run with a progress bar, export GGUF and HF.
 */
final class TrainFlags {
    /** Keys of --config that name these shared options; a command adds its own. */
    static final Set<String> KEYS = Set.of("data", "tokenizer", "steps", "batch", "seq_len", "lr", "min_lr",
            "warmup", "decay", "weight_decay", "beta1", "beta2", "grad_clip", "grad_accum", "eval_every", "eval_batches",
            "checkpoint_every", "resume", "seed", "threads", "out", "comment", "reference");

    @Option(names = "--config", paramLabel = "FILE", description = "JSON file with any of the options (same names, e.g. \"seq_len\" or \"seq-len\"); flags win.") Path config;
    @Option(names = "--data", paramLabel = "PATH", description = "A folder from pith data pack, or a text file (split 90/10 into train and validation).") String data;
    @Option(names = "--tokenizer", paramLabel = "FILE|char", description = "tokenizer.json, or 'char' to learn a character vocabulary from a text --data.") String tokenizer;
    @Option(names = "--steps", paramLabel = "N", description = "Optimizer steps (default 1000).") Integer steps;
    @Option(names = "--batch", paramLabel = "N", description = "Sequences per micro-batch (default 8).") Integer batch;
    @Option(names = "--seq-len", paramLabel = "N", description = "Tokens per sequence (default: the model's context).") Integer seqLen;
    @Option(names = "--lr", paramLabel = "X", description = "Peak learning rate (default 1e-3).") Double lr;
    @Option(names = "--min-lr", paramLabel = "X", description = "Learning rate at the last step (default lr/10).") Double minLr;
    @Option(names = "--warmup", paramLabel = "N", description = "Linear warm-up steps (default 100, at most steps/10).") Integer warmup;
    @Option(names = "--decay", paramLabel = "KIND", description = "cosine, linear or constant after warm-up (default cosine).") String decay;
    @Option(names = "--weight-decay", paramLabel = "X", description = "AdamW weight decay on matrices (default 0.1).") Double weightDecay;
    @Option(names = "--beta1", paramLabel = "X", description = "AdamW β1 (default 0.9).") Double beta1;
    @Option(names = "--beta2", paramLabel = "X", description = "AdamW β2 (default 0.95).") Double beta2;
    @Option(names = "--grad-clip", paramLabel = "X", description = "Clip gradients to this global norm, 0 = off (default 1.0).") Double gradClip;
    @Option(names = "--grad-accum", paramLabel = "N", description = "Micro-batches per optimizer step (default 1).") Integer gradAccum;
    @Option(names = "--eval-every", paramLabel = "N", description = "Validation every N steps, 0 = only at the end (default 100).") Integer evalEvery;
    @Option(names = "--eval-batches", paramLabel = "N", description = "Batches per validation (default 20).") Integer evalBatches;
    @Option(names = "--checkpoint-every", paramLabel = "N", description = "Checkpoint every N steps, 0 = only at the end (default 100).") Integer checkpointEvery;
    @Option(names = "--resume", description = "Continue the run whose checkpoint is in --out.") Boolean resume;
    @Option(names = "--seed", paramLabel = "N", description = "Seed for initialisation and data order (default 1337).") Long seed;
    @Option(names = "--threads", paramLabel = "N", description = "Threads (default: all cores).") Integer threads;
    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default out).") String out;
    @Option(names = "--json", description = "Print one JSON object on stdout at the end.") boolean json;
    @Option(names = "--verbose", description = "Print stack traces of errors.") boolean verbose;

    private JsonNode file;
    private Path configDir;

    /** Training tokens, validation tokens, and what must be closed after the run. */
    record Data(TokenSource train, TokenSource val, AutoCloseable[] closers) implements AutoCloseable {
        @Override
        public void close() {
            for (AutoCloseable a : closers) {
                try {
                    a.close();
                } catch (Exception ignored) {
                    // unmapping cannot fail in a way the user could act on
                }
            }
        }
    }

    /** Reads --config (its keys: the shared ones plus {@code commandKeys}) and applies --threads. */
    void start(Set<String> commandKeys) {
        readConfig(commandKeys);
        Integer th = integer(threads, "threads", null);
        if (th != null) Parallel.setThreads(th);
    }

    Path outDir() { return Path.of(string(out, "out", "out")); }
    boolean resuming() { return bool(resume, "resume"); }
    long seedValue() { return longValue(seed, "seed", 1337L); }

    /** Refuses to overwrite a run, or to resume one that is not there; returns the checkpoint path. */
    Path checkRunFolder() {
        Path outDir = outDir(), ckpt = outDir.resolve(TrainRun.CHECKPOINT);
        if (resuming() && !Files.exists(ckpt)) throw new PithException(ckpt + ": no checkpoint to resume from.");
        if (!resuming() && Files.exists(ckpt))
            throw new PithException(outDir + " already holds a checkpoint; pass --resume to continue that run or choose another --out.");
        return ckpt;
    }

    /** The --data path, which must exist. */
    Path dataPath() {
        String dataArg = string(data, "data", null);
        if (dataArg == null) throw new PithException("no training data: give --data (a folder from pith data pack, or a text file).");
        Path dataPath = resolve(dataArg);
        if (!Files.isDirectory(dataPath) && !Files.isRegularFile(dataPath)) throw new PithException(dataPath + ": no such file or folder (--data).");
        return dataPath;
    }

    /**
     * The tokenizer.json the data is tokenized with: --tokenizer (a file, or 'char' learnt from a
     * text file into a temporary file), else the packed folder's own; null when none is named.
     */
    Path tokenizerFile(Path dataPath) {
        String tokArg = string(tokenizer, "tokenizer", null);
        boolean packed = Files.isDirectory(dataPath);
        if ("char".equals(tokArg)) {
            if (packed) throw new PithException("--tokenizer char learns from a text file; " + dataPath + " is a folder (give its tokenizer.json instead).");
            return tempCharTokenizer(dataPath);
        }
        if (tokArg != null) return resolve(tokArg);
        return packed ? manifestTokenizer(dataPath) : null;
    }

    /** The training hyper-parameters, defaults filled in for model {@code c}. */
    TrainOptions options(ModelConfig c) {
        TrainOptions def = TrainOptions.defaults();
        int stepsV = integer(steps, "steps", def.steps());
        double lrV = number(lr, "lr", def.lr());
        String decayV = string(decay, "decay", "cosine");
        LrSchedule.Decay decayKind = switch (decayV) {
            case "cosine" -> LrSchedule.Decay.COSINE;
            case "linear" -> LrSchedule.Decay.LINEAR;
            case "constant" -> LrSchedule.Decay.CONSTANT;
            default -> throw new PithException("--decay must be cosine, linear or constant, not '" + decayV + "'.");
        };
        TrainOptions o = new TrainOptions(stepsV, integer(batch, "batch", def.batch()),
                integer(seqLen, "seq_len", c.contextLength()), lrV, number(minLr, "min_lr", lrV / 10),
                integer(warmup, "warmup", Math.min(def.warmup(), stepsV / 10)), decayKind,
                number(weightDecay, "weight_decay", def.weightDecay()), number(beta1, "beta1", def.beta1()),
                number(beta2, "beta2", def.beta2()), def.eps(), number(gradClip, "grad_clip", def.gradClip()),
                integer(gradAccum, "grad_accum", def.gradAccum()), seedValue()).validate();
        if (o.seqLen() > c.contextLength())
            throw new PithException("--seq-len " + o.seqLen() + " is longer than the model's context of " + c.contextLength() + " tokens.");
        return o;
    }

    /** A fresh model of shape {@code c}, initialised from the run's seed (the same weights for the same seed in every command). */
    static LlamaTrainModel initialized(ModelConfig c, long seedValue) {
        LlamaTrainModel m = new LlamaTrainModel(c);
        m.initialize(new dev.pith.train.Rng(seedValue * 0x9E3779B97F4A7C15L + 1));
        return m;
    }

    /** A packed folder's train/val shards, or a text file tokenized and split 90/10. */
    static Data load(Path dataPath, Tokenizer tok, String tokName) {
        if (Files.isDirectory(dataPath)) {
            TokenShards tr = TokenShards.open(dataPath, "train"), va = TokenShards.open(dataPath, "val");
            if (tr.vocabSize() != tok.vocabSize()) {
                tr.close();
                va.close();
                throw new PithException(dataPath + " was packed with a vocabulary of " + tr.vocabSize() + " tokens, but the tokenizer " + tokName + " has " + tok.vocabSize() + ".");
            }
            return new Data(tr, va, new AutoCloseable[] {tr, va});
        }
        int[] ids = tok.encode(readText(dataPath));
        int n = (int) (ids.length * 0.9);
        return new Data(TokenSource.of(java.util.Arrays.copyOf(ids, n)), TokenSource.of(java.util.Arrays.copyOfRange(ids, n, ids.length)), new AutoCloseable[0]);
    }

    /** Creates the output folder (only once everything is checked). */
    void createOutDir() {
        try {
            Files.createDirectories(outDir());
        } catch (IOException e) {
            throw new PithException(outDir() + ": cannot be created (" + e.getMessage() + ").", e);
        }
    }

    /** Runs (or resumes) the trainer to its last step with a progress bar labelled {@code label}. */
    TrainRun.Result run(Trainer trainer, String label) {
        TrainRun run = new TrainRun(trainer, new TrainRun.Settings(integer(evalEvery, "eval_every", 100),
                integer(evalBatches, "eval_batches", 20), integer(checkpointEvery, "checkpoint_every", 100), outDir()));
        if (resuming()) run.resume();
        try (ProgressBar bar = json ? null : Progress.bar(label, trainer.options().steps())) {
            if (bar != null) bar.stepTo(trainer.step());
            double[] val = {Double.NaN};
            return run.run(new TrainRun.Listener() {
                @Override public void step(long s, double loss, double tps) {
                    if (bar == null) return;
                    bar.stepTo(s);
                    bar.setExtraMessage(String.format(" loss %.4f%s %,.0f tok/s", loss, Double.isNaN(val[0]) ? "" : String.format(" val %.4f", val[0]), tps));
                }
                @Override public void eval(long s, double v) { val[0] = v; }
            });
        }
    }

    /** Writes OUT/model.gguf and OUT/hf/ (safetensors, config.json, tokenizer.json); returns the two paths. */
    Path[] export(LlamaTrainModel m, Tokenizer tok, Path tokSource, byte[] tokBytes) {
        Model exported = ModelBridge.toModel(m, tok, tokSource);
        Path gguf = outDir().resolve("model.gguf"), hf = outDir().resolve("hf");
        ModelWriters.writeGguf(exported, gguf);
        ModelWriters.write(exported, hf);
        if (tokBytes != null) dev.pith.core.AtomicFile.write(hf.resolve("tokenizer.json"), os -> os.write(tokBytes));
        else dev.pith.model.tokenizer.Tokenizers.toHfJson(tok, hf);
        return new Path[] {gguf, hf};
    }

    /** The JSON object every training command prints (a command adds its own keys). */
    java.util.Map<String, Object> reportJson(TrainRun.Result r, Path gguf, Path hf, LlamaTrainModel m) {
        java.util.Map<String, Object> o = new java.util.LinkedHashMap<>();
        o.put("val_loss", r.valLoss());
        o.put("train_loss", r.trainLoss());
        o.put("tokens_per_second", r.tokensPerSecond());
        o.put("seconds", r.seconds());
        o.put("steps", r.steps());
        o.put("start_step", r.startStep());
        o.put("parameters", m.parameterCount());
        o.put("out", outDir().toString());
        o.put("gguf", gguf.toString());
        o.put("hf", hf.toString());
        o.put("peak_rss_bytes", dev.pith.core.ProcessStats.peakRssBytes());
        return o;
    }

    // ---------------------------------------------------------------- config file and paths

    private void readConfig(Set<String> commandKeys) {
        if (config == null) return;
        JsonNode n = readJson(config);
        if (!n.isObject()) throw new PithException(config + " must hold one JSON object of training options.");
        ObjectNode norm = Json.MAPPER.createObjectNode();
        Set<String> known = new HashSet<>(KEYS);
        known.addAll(commandKeys);
        n.fields().forEachRemaining(e -> {
            String k = e.getKey().replace('-', '_');
            if (!known.contains(k)) throw new PithException(config + " has the unknown option '" + e.getKey() + "'.");
            norm.set(k, e.getValue());
        });
        file = norm;
        configDir = config.toAbsolutePath().getParent();
    }

    /** A path as given if it exists, else beside the config file, else beside its folder (the repository root for bench/). */
    Path resolve(String p) {
        Path given = Path.of(p);
        if (given.isAbsolute() || Files.exists(given) || configDir == null) return given;
        for (Path base = configDir; base != null; base = base.getParent()) {
            Path cand = base.resolve(p);
            if (Files.exists(cand)) return cand;
            if (base.equals(configDir.getParent())) break;
        }
        return given;
    }

    JsonNode value(String key) { return file == null ? null : file.get(key); }

    String string(String flag, String key, String def) {
        if (flag != null) return flag;
        JsonNode v = value(key);
        return v == null || v.isNull() ? def : v.asText();
    }

    Integer integer(Integer flag, String key, Integer def) {
        if (flag != null) return flag;
        JsonNode v = value(key);
        if (v == null || v.isNull()) return def;
        if (!v.canConvertToInt() || !v.isIntegralNumber()) throw new PithException(config + ": '" + key + "' must be an integer, not " + v + ".");
        return v.asInt();
    }

    long longValue(Long flag, String key, long def) {
        if (flag != null) return flag;
        JsonNode v = value(key);
        if (v == null || v.isNull()) return def;
        if (!v.isIntegralNumber()) throw new PithException(config + ": '" + key + "' must be an integer, not " + v + ".");
        return v.asLong();
    }

    double number(Double flag, String key, double def) {
        if (flag != null) return flag;
        JsonNode v = value(key);
        if (v == null || v.isNull()) return def;
        if (!v.isNumber()) throw new PithException(config + ": '" + key + "' must be a number, not " + v + ".");
        return v.asDouble();
    }

    boolean bool(Boolean flag, String key) {
        if (flag != null) return flag;
        JsonNode v = value(key);
        return v != null && v.asBoolean(false);
    }

    static JsonNode readJson(Path p) {
        try {
            return Json.MAPPER.readTree(readBytes(p));
        } catch (IOException e) {
            throw new PithException(p + " is not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + ").", e);
        }
    }

    static byte[] readBytes(Path p) {
        if (!Files.isRegularFile(p)) throw new PithException(p + ": no such file.");
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new PithException(p + ": cannot be read (" + e.getMessage() + ").", e);
        }
    }

    private static String readText(Path p) {
        return new String(readBytes(p), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static Path tempCharTokenizer(Path text) {
        try {
            Path dir = Files.createTempDirectory("pith-tok");
            Path f = dir.resolve("tokenizer.json");
            TokenizerTraining.train(List.of(text), 0, true, f);
            f.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new PithException("cannot create a temporary file for the character vocabulary (" + e.getMessage() + ").", e);
        }
    }

    private static Path manifestTokenizer(Path dir) {
        JsonNode m = readJson(dir.resolve(TokenShards.Manifest.FILE));
        String t = m.path("tokenizer").asText(null);
        if (t == null) throw new PithException(dir + " names no tokenizer in its manifest; give --tokenizer.");
        Path p = Path.of(t);
        return p.isAbsolute() ? p : dir.resolve(p);
    }
}
