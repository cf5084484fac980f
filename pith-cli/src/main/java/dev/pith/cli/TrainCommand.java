package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.ModelWriters;
import dev.pith.model.Models;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.model.tokenizer.Tokenizers;
import dev.pith.train.Checkpoint;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.ModelBridge;
import dev.pith.train.Presets;
import dev.pith.train.Rng;
import dev.pith.train.TrainOptions;
import dev.pith.train.TrainRun;
import dev.pith.train.Trainer;
import dev.pith.train.data.TokenShards;
import dev.pith.train.data.TokenizerTraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
    @Mixin TrainFlags flags;
    @Option(names = "--resume", description = "Continue the run whose checkpoint is in --out.") Boolean resume;
    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default out).") String out;
    @Option(names = "--json", description = "Print one JSON object on stdout at the end.") boolean json;
    @Option(names = "--verbose", description = "Print stack traces of errors.") boolean verbose;

    private ConfigValues values;

    @Override
    public void run() {
        Set<String> known = new java.util.HashSet<>(TrainFlags.KEYS);
        known.addAll(Set.of("model", "preset", "model_config", "data", "tokenizer", "resume", "out", "comment", "reference"));
        values = ConfigValues.read(config, known);
        flags.applyThreads(values);
        Path outDir = Path.of(values.string(out, "out", "out"));
        boolean resuming = values.bool(resume, "resume");
        Path ckpt = outDir.resolve(TrainRun.CHECKPOINT);
        if (resuming && !Files.exists(ckpt)) throw new PithException(ckpt + ": no checkpoint to resume from.");
        if (!resuming && Files.exists(ckpt))
            throw new PithException(outDir + " already holds a checkpoint; pass --resume to continue that run or choose another --out.");
        long seedValue = flags.seed(values);

        // Tokenizer and data first: a fresh model's vocabulary comes from the tokenizer.
        String dataArg = values.string(data, "data", null);
        if (dataArg == null) throw new PithException("no training data: give --data (a folder from pith data pack, or a text file).");
        Path dataPath = values.resolve(dataArg);
        String tokArg = values.string(tokenizer, "tokenizer", null);
        Path tokFile;
        byte[] charTokenizer = null;
        boolean packed = Files.isDirectory(dataPath);
        if (!packed && !Files.isRegularFile(dataPath)) throw new PithException(dataPath + ": no such file or folder (--data).");
        if ("char".equals(tokArg)) {
            if (packed) throw new PithException("--tokenizer char learns from a text file; " + dataPath + " is a folder (give its tokenizer.json instead).");
            tokFile = tempCharTokenizer(dataPath);
            charTokenizer = ConfigValues.readBytes(tokFile);
        } else if (tokArg != null) {
            tokFile = values.resolve(tokArg);
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
        TrainOptions o = flags.options(values, c.contextLength());

        try (TrainingData td = TrainingData.open(dataPath, tok, tokFile)) {
            Trainer trainer = new Trainer(m, o, td.train(), td.val());
            // Everything checked: only now is anything written.
            try {
                Files.createDirectories(outDir);
            } catch (IOException e) {
                throw new PithException(outDir + ": cannot be created (" + e.getMessage() + ").", e);
            }
            Path tokOut = outDir.resolve("tokenizer.json");
            byte[] tokBytes = charTokenizer != null ? charTokenizer : ConfigValues.readBytes(tokFile);
            if (!tokOut.toAbsolutePath().equals(tokFile.toAbsolutePath())) dev.pith.core.AtomicFile.write(tokOut, os -> os.write(tokBytes));
            TrainRun run = new TrainRun(trainer, flags.settings(values, outDir));
            if (resuming) run.resume();
            TrainRun.Result r = TrainingData.run(run, trainer, "train", json);
            Model exported = ModelBridge.toModel(m, tok, tokOut);
            Path gguf = outDir.resolve("model.gguf"), hf = outDir.resolve("hf");
            ModelWriters.writeGguf(exported, gguf);
            ModelWriters.write(exported, hf);
            dev.pith.core.AtomicFile.write(hf.resolve("tokenizer.json"), os -> os.write(tokBytes));
            report(r, outDir, gguf, hf, m);
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
        String modelArg = values.string(model, "model", null), presetArg = values.string(preset, "preset", null);
        JsonNode fileMc = values.value("model_config");
        JsonNode mc = modelConfig != null ? ConfigValues.readJson(values.resolve(modelConfig))
                : fileMc == null ? null : fileMc.isTextual() ? ConfigValues.readJson(values.resolve(fileMc.asText())) : fileMc;
        int given = (modelArg != null ? 1 : 0) + (presetArg != null ? 1 : 0) + (mc != null ? 1 : 0);
        if (given != 1) throw new PithException("give exactly one of --model (continue a model), --preset or --model-config (a fresh model).");
        if (modelArg != null) {
            try (Model loaded = Models.load(values.resolve(modelArg))) {
                return ModelBridge.fromModel(loaded);
            }
        }
        ModelConfig c = presetArg != null ? Presets.preset(presetArg, tok.vocabSize()) : Presets.fromJson(mc, tok.vocabSize(), "the model configuration");
        LlamaTrainModel m = new LlamaTrainModel(c);
        m.initialize(new Rng(seedValue * 0x9E3779B97F4A7C15L + 1));
        return m;
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
        JsonNode m = ConfigValues.readJson(dir.resolve(TokenShards.Manifest.FILE));
        String t = m.path("tokenizer").asText(null);
        if (t == null) throw new PithException(dir + " names no tokenizer in its manifest; give --tokenizer.");
        Path p = Path.of(t);
        return p.isAbsolute() ? p : dir.resolve(p);
    }
}
