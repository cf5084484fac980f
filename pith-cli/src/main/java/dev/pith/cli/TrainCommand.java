package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.Parallel;
import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.ModelWriters;
import dev.pith.model.Models;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.model.tokenizer.Tokenizers;
import dev.pith.train.Checkpoint;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.LrSchedule;
import dev.pith.train.ModelBridge;
import dev.pith.train.Presets;
import dev.pith.train.Rng;
import dev.pith.train.TokenSource;
import dev.pith.train.TrainOptions;
import dev.pith.train.TrainRun;
import dev.pith.train.Trainer;
import dev.pith.train.data.TokenShards;
import dev.pith.train.data.TokenizerTraining;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "train", sortOptions = false,
        description = {"Train a Llama-style model from scratch (--preset or --model-config) or continue one (--model).",
                "Every option can also be given in --config train.json (same names, e.g. \"seq_len\" or \"seq-len\"); flags win.",
                "Writes OUT/model.gguf, OUT/hf/ (safetensors + config.json), OUT/checkpoint.bin, OUT/metrics.jsonl and OUT/tokenizer.json."})
final class TrainCommand implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "JSON file with any of the options below.") Path config;
    @Option(names = "--model", paramLabel = "PATH", description = "Continue training this model (GGUF, HF folder or llama2.c).") String model;
    @Option(names = "--preset", paramLabel = "NAME", description = "A fresh model of a named shape: tiny, nanogpt-char, demo, small.") String preset;
    @Option(names = "--model-config", paramLabel = "FILE", description = "A fresh model shaped by this JSON (dim, layers, heads, kv_heads, ffn_dim, context, tied).") String modelConfig;
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

    @Override
    public void run() {
        readConfig();
        Integer th = integer(threads, "threads", null);
        if (th != null) Parallel.setThreads(th);
        Path outDir = Path.of(string(out, "out", "out"));
        boolean resuming = bool(resume, "resume");
        Path ckpt = outDir.resolve(TrainRun.CHECKPOINT);
        if (resuming && !Files.exists(ckpt)) throw new PithException(ckpt + ": no checkpoint to resume from.");
        if (!resuming && Files.exists(ckpt))
            throw new PithException(outDir + " already holds a checkpoint; pass --resume to continue that run or choose another --out.");
        long seedValue = longValue(seed, "seed", 1337L);

        // Tokenizer and data first: a fresh model's vocabulary comes from the tokenizer.
        String dataArg = string(data, "data", null);
        if (dataArg == null) throw new PithException("no training data: give --data (a folder from pith data pack, or a text file).");
        Path dataPath = resolve(dataArg);
        String tokArg = string(tokenizer, "tokenizer", null);
        Path tokFile;
        byte[] charTokenizer = null;
        boolean packed = Files.isDirectory(dataPath);
        if (!packed && !Files.isRegularFile(dataPath)) throw new PithException(dataPath + ": no such file or folder (--data).");
        if ("char".equals(tokArg)) {
            if (packed) throw new PithException("--tokenizer char learns from a text file; " + dataPath + " is a folder (give its tokenizer.json instead).");
            tokFile = tempCharTokenizer(dataPath);
            charTokenizer = readBytes(tokFile);
        } else if (tokArg != null) {
            tokFile = resolve(tokArg);
        } else if (packed) {
            tokFile = manifestTokenizer(dataPath);
        } else {
            throw new PithException("a text --data needs --tokenizer (a tokenizer.json, or 'char').");
        }
        Tokenizer tok = Tokenizers.fromHfJson(tokFile);

        // The model.
        LlamaTrainModel m = buildModel(resuming ? Checkpoint.load(ckpt).config() : null, tok, seedValue);
        ModelConfig c = m.config();
        if (tok.vocabSize() > c.vocabSize())
            throw new PithException("the tokenizer " + tokFile + " has " + tok.vocabSize() + " tokens, more than the model's vocabulary of " + c.vocabSize() + ".");

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
                integer(gradAccum, "grad_accum", def.gradAccum()), seedValue).validate();
        if (o.seqLen() > c.contextLength())
            throw new PithException("--seq-len " + o.seqLen() + " is longer than the model's context of " + c.contextLength() + " tokens.");
        int evalEveryV = integer(evalEvery, "eval_every", 100), evalBatchesV = integer(evalBatches, "eval_batches", 20);
        int ckptEvery = integer(checkpointEvery, "checkpoint_every", 100);

        TokenSource trainData, valData;
        AutoCloseable[] closers;
        if (packed) {
            TokenShards tr = TokenShards.open(dataPath, "train"), va = TokenShards.open(dataPath, "val");
            if (tr.vocabSize() != tok.vocabSize())
                throw new PithException(dataPath + " was packed with a vocabulary of " + tr.vocabSize() + " tokens, but the tokenizer " + tokFile + " has " + tok.vocabSize() + ".");
            trainData = tr;
            valData = va;
            closers = new AutoCloseable[] {tr, va};
        } else {
            int[] ids = tok.encode(readText(dataPath));
            int n = (int) (ids.length * 0.9);
            trainData = TokenSource.of(java.util.Arrays.copyOf(ids, n));
            valData = TokenSource.of(java.util.Arrays.copyOfRange(ids, n, ids.length));
            closers = new AutoCloseable[0];
        }
        try {
            Trainer trainer = new Trainer(m, o, trainData, valData);
            // Everything checked: only now is anything written.
            try {
                Files.createDirectories(outDir);
            } catch (IOException e) {
                throw new PithException(outDir + ": cannot be created (" + e.getMessage() + ").", e);
            }
            Path tokOut = outDir.resolve("tokenizer.json");
            byte[] tokBytes = charTokenizer != null ? charTokenizer : readBytes(tokFile);
            if (!tokOut.toAbsolutePath().equals(tokFile.toAbsolutePath())) dev.pith.core.AtomicFile.write(tokOut, os -> os.write(tokBytes));
            TrainRun run = new TrainRun(trainer, new TrainRun.Settings(evalEveryV, evalBatchesV, ckptEvery, outDir));
            if (resuming) run.resume();
            TrainRun.Result r;
            try (ProgressBar bar = json ? null : Progress.bar("train", o.steps())) {
                if (bar != null) bar.stepTo(trainer.step());
                double[] val = {Double.NaN};
                r = run.run(new TrainRun.Listener() {
                    @Override public void step(long s, double loss, double tps) {
                        if (bar == null) return;
                        bar.stepTo(s);
                        bar.setExtraMessage(String.format(" loss %.4f%s %,.0f tok/s", loss, Double.isNaN(val[0]) ? "" : String.format(" val %.4f", val[0]), tps));
                    }
                    @Override public void eval(long s, double v) { val[0] = v; }
                });
            }
            Model exported = ModelBridge.toModel(m, tok, tokOut);
            Path gguf = outDir.resolve("model.gguf"), hf = outDir.resolve("hf");
            ModelWriters.writeGguf(exported, gguf);
            ModelWriters.write(exported, hf);
            dev.pith.core.AtomicFile.write(hf.resolve("tokenizer.json"), os -> os.write(tokBytes));
            report(r, outDir, gguf, hf, m);
        } finally {
            for (AutoCloseable a : closers) {
                try {
                    a.close();
                } catch (Exception ignored) {
                    // unmapping cannot fail in a way the user could act on
                }
            }
        }
    }

    private void report(TrainRun.Result r, Path outDir, Path gguf, Path hf, LlamaTrainModel m) {
        var w = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("val_loss", r.valLoss());
            o.put("train_loss", r.trainLoss());
            o.put("tokens_per_second", r.tokensPerSecond());
            o.put("seconds", r.seconds());
            o.put("steps", r.steps());
            o.put("start_step", r.startStep());
            o.put("parameters", m.parameterCount());
            o.put("out", outDir.toString());
            o.put("gguf", gguf.toString());
            o.put("hf", hf.toString());
            o.put("peak_rss_bytes", dev.pith.core.ProcessStats.peakRssBytes());
            Json.print(w, o);
        } else {
            w.printf("trained %,d parameters for %d steps in %.1f s (%,.0f tokens/s): train loss %.4f, val loss %.4f%n",
                    m.parameterCount(), r.steps() - r.startStep(), r.seconds(), r.tokensPerSecond(), r.trainLoss(), r.valLoss());
            w.printf("wrote %s and %s%n", gguf, hf);
        }
    }

    private LlamaTrainModel buildModel(ModelConfig fromCheckpoint, Tokenizer tok, long seedValue) {
        if (fromCheckpoint != null) return new LlamaTrainModel(fromCheckpoint); // weights come from the checkpoint
        String modelArg = string(model, "model", null), presetArg = string(preset, "preset", null);
        JsonNode mc = modelConfig != null ? readJson(resolve(modelConfig)) : file == null ? null
                : file.get("model_config") != null ? (file.get("model_config").isTextual() ? readJson(resolve(file.get("model_config").asText())) : file.get("model_config")) : null;
        int given = (modelArg != null ? 1 : 0) + (presetArg != null ? 1 : 0) + (mc != null ? 1 : 0);
        if (given != 1) throw new PithException("give exactly one of --model (continue a model), --preset or --model-config (a fresh model).");
        if (modelArg != null) {
            try (Model loaded = Models.load(resolve(modelArg))) {
                return ModelBridge.fromModel(loaded);
            }
        }
        ModelConfig c = presetArg != null ? Presets.preset(presetArg, tok.vocabSize()) : Presets.fromJson(mc, tok.vocabSize(), "the model configuration");
        LlamaTrainModel m = new LlamaTrainModel(c);
        m.initialize(new Rng(seedValue * 0x9E3779B97F4A7C15L + 1));
        return m;
    }

    // ---------------------------------------------------------------- config file and paths

    private void readConfig() {
        if (config == null) return;
        JsonNode n = readJson(config);
        if (!n.isObject()) throw new PithException(config + " must hold one JSON object of training options.");
        ObjectNode norm = Json.MAPPER.createObjectNode();
        var known = java.util.Set.of("model", "preset", "model_config", "data", "tokenizer", "steps", "batch", "seq_len", "lr", "min_lr",
                "warmup", "decay", "weight_decay", "beta1", "beta2", "grad_clip", "grad_accum", "eval_every", "eval_batches",
                "checkpoint_every", "resume", "seed", "threads", "out", "comment", "reference");
        n.fields().forEachRemaining(e -> {
            String k = e.getKey().replace('-', '_');
            if (!known.contains(k)) throw new PithException(config + " has the unknown option '" + e.getKey() + "'.");
            norm.set(k, e.getValue());
        });
        file = norm;
        configDir = config.toAbsolutePath().getParent();
    }

    /** A path as given if it exists, else beside the config file, else beside its folder (the repository root for bench/). */
    private Path resolve(String p) {
        Path given = Path.of(p);
        if (given.isAbsolute() || Files.exists(given) || configDir == null) return given;
        for (Path base = configDir; base != null; base = base.getParent()) {
            Path cand = base.resolve(p);
            if (Files.exists(cand)) return cand;
            if (base.equals(configDir.getParent())) break;
        }
        return given;
    }

    private JsonNode value(String key) { return file == null ? null : file.get(key); }

    private String string(String flag, String key, String def) {
        if (flag != null) return flag;
        JsonNode v = value(key);
        return v == null || v.isNull() ? def : v.asText();
    }

    private Integer integer(Integer flag, String key, Integer def) {
        if (flag != null) return flag;
        JsonNode v = value(key);
        if (v == null || v.isNull()) return def;
        if (!v.canConvertToInt() || !v.isIntegralNumber()) throw new PithException(config + ": '" + key + "' must be an integer, not " + v + ".");
        return v.asInt();
    }

    private long longValue(Long flag, String key, long def) {
        if (flag != null) return flag;
        JsonNode v = value(key);
        if (v == null || v.isNull()) return def;
        if (!v.isIntegralNumber()) throw new PithException(config + ": '" + key + "' must be an integer, not " + v + ".");
        return v.asLong();
    }

    private double number(Double flag, String key, double def) {
        if (flag != null) return flag;
        JsonNode v = value(key);
        if (v == null || v.isNull()) return def;
        if (!v.isNumber()) throw new PithException(config + ": '" + key + "' must be a number, not " + v + ".");
        return v.asDouble();
    }

    private boolean bool(Boolean flag, String key) {
        if (flag != null) return flag;
        JsonNode v = value(key);
        return v != null && v.asBoolean(false);
    }

    private static JsonNode readJson(Path p) {
        try {
            return Json.MAPPER.readTree(readBytes(p));
        } catch (IOException e) {
            throw new PithException(p + " is not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + ").", e);
        }
    }

    private static byte[] readBytes(Path p) {
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
