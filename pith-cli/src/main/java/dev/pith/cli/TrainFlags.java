package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.ModelWriters;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.ModelBridge;
import dev.pith.train.TokenSource;
import dev.pith.train.TrainOptions;
import dev.pith.train.TrainRun;
import dev.pith.train.Trainer;
import dev.pith.train.data.TokenShards;
import dev.pith.train.data.TokenizerTraining;
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
    @picocli.CommandLine.Mixin OptimizerFlags opt;
    @Option(names = "--resume", description = "Continue the run whose checkpoint is in --out.") Boolean resume;
    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default out).") String out;
    @Option(names = "--json", description = "Print one JSON object on stdout at the end.") boolean json;
    @Option(names = "--verbose", description = "Print stack traces of errors.") boolean verbose;

    private ConfigValues values = ConfigValues.read(null, Set.of());

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
        opt.applyThreads(values);
    }

    Path outDir() { return Path.of(string(out, "out", "out")); }
    boolean resuming() { return bool(resume, "resume"); }
    long seedValue() { return opt.seed(values); }

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
    TrainOptions options(ModelConfig c) { return opt.options(values, c.contextLength()); }

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
        int[] ids = tok.encode(ConfigValues.readText(dataPath));
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
    TrainRun.Result run(Trainer trainer, String label) { return run(trainer, label, null); }

    /** The same, recording {@code runSettings} in every checkpoint and refusing to resume a run whose settings differ. */
    TrainRun.Result run(Trainer trainer, String label, com.fasterxml.jackson.databind.node.ObjectNode runSettings) {
        TrainRun run = new TrainRun(trainer, opt.settings(values, outDir())).recording(runSettings);
        if (resuming()) run.resume();
        return TrainingData.run(run, trainer, label, json);
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
        Set<String> known = new HashSet<>(KEYS);
        known.addAll(commandKeys);
        values = ConfigValues.read(config, known);
    }

    /** A path as given if it exists, else beside the config file, else beside its folder (the repository root for bench/). */
    Path resolve(String p) { return values.resolve(p); }

    JsonNode value(String key) { return values.value(key); }
    String string(String flag, String key, String def) { return values.string(flag, key, def); }
    Integer integer(Integer flag, String key, Integer def) { return values.integer(flag, key, def); }
    long longValue(Long flag, String key, long def) { return values.longValue(flag, key, def); }
    double number(Double flag, String key, double def) { return values.number(flag, key, def); }
    boolean bool(Boolean flag, String key) { return values.bool(flag, key); }

    static JsonNode readJson(Path p) { return ConfigValues.readJson(p); }
    static byte[] readBytes(Path p) { return ConfigValues.readBytes(p); }

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
