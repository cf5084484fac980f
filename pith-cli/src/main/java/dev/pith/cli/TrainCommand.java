package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.Models;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.model.tokenizer.Tokenizers;
import dev.pith.train.Checkpoint;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.ModelBridge;
import dev.pith.train.Presets;
import dev.pith.train.TrainOptions;
import dev.pith.train.TrainRun;
import dev.pith.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.Set;

@Command(name = "train", sortOptions = false,
        description = {"Train a Llama-style model from scratch (--preset or --model-config) or continue one (--model).",
                "Every option can also be given in --config train.json (same names, e.g. \"seq_len\" or \"seq-len\"); flags win.",
                "Writes OUT/model.gguf, OUT/hf/ (safetensors + config.json), OUT/checkpoint.bin, OUT/metrics.jsonl and OUT/tokenizer.json."})
final class TrainCommand implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--model", paramLabel = "PATH", description = "Continue training this model (GGUF, HF folder or llama2.c).") String model;
    @Option(names = "--preset", paramLabel = "NAME", description = "A fresh model of a named shape: tiny, nanogpt-char, demo, small.") String preset;
    @Option(names = "--model-config", paramLabel = "FILE", description = "A fresh model shaped by this JSON (dim, layers, heads, kv_heads, ffn_dim, context, tied).") String modelConfig;
    @Option(names = "--recompute", description = "Keep only each block's input in forward and recompute its activations in backward: less memory, about one more forward per step, same results.") Boolean recompute;
    @Option(names = "--parallel", paramLabel = "MODE", description = "How a step uses the threads: auto (default), ops (split each matrix product), batch (each thread trains whole sequences; for small models).") String parallel;
    @Mixin TrainFlags flags;

    @Override
    public void run() {
        flags.start(Set.of("model", "preset", "model_config", "recompute", "parallel"));
        Path outDir = flags.outDir();
        Path ckpt = flags.checkRunFolder();

        // Tokenizer and data first: a fresh model's vocabulary comes from the tokenizer.
        Path dataPath = flags.dataPath();
        Path tokFile = flags.tokenizerFile(dataPath);
        if (tokFile == null) throw new PithException("a text --data needs --tokenizer (a tokenizer.json, or 'char').");
        Tokenizer tok = Tokenizers.fromHfJson(tokFile);

        // The model.
        LlamaTrainModel m = buildModel(flags.resuming() ? Checkpoint.load(ckpt).config() : null, tok, flags.seedValue());
        m.setRecompute(flags.bool(recompute, "recompute"));
        m.setParallelism(parallelism(flags.string(parallel, "parallel", "auto")));
        ModelConfig c = m.config();
        if (tok.vocabSize() > c.vocabSize())
            throw new PithException("the tokenizer " + tokFile + " has " + tok.vocabSize() + " tokens, more than the model's vocabulary of " + c.vocabSize() + ".");
        TrainOptions o = flags.options(c);

        try (TrainFlags.Data data = TrainFlags.load(dataPath, tok, tokFile.toString())) {
            Trainer trainer = new Trainer(m, o, data.train(), data.val());
            // Everything checked: only now is anything written.
            flags.createOutDir();
            Path tokOut = outDir.resolve("tokenizer.json");
            byte[] tokBytes = TrainFlags.readBytes(tokFile);
            if (!tokOut.toAbsolutePath().equals(tokFile.toAbsolutePath())) dev.pith.core.AtomicFile.write(tokOut, os -> os.write(tokBytes));
            TrainRun.Result r = flags.run(trainer, "train");
            Path[] written = flags.export(m, tok, tokOut, tokBytes);
            report(r, written[0], written[1], m);
        }
    }

    private static LlamaTrainModel.Parallelism parallelism(String mode) {
        return switch (mode) {
            case "auto" -> LlamaTrainModel.Parallelism.AUTO;
            case "ops" -> LlamaTrainModel.Parallelism.OPS;
            case "batch" -> LlamaTrainModel.Parallelism.BATCH;
            default -> throw new PithException("--parallel must be auto, ops or batch, not '" + mode + "'.");
        };
    }

    private void report(TrainRun.Result r, Path gguf, Path hf, LlamaTrainModel m) {
        var w = spec.commandLine().getOut();
        if (flags.json) {
            Json.print(w, flags.reportJson(r, gguf, hf, m));
        } else {
            w.printf("trained %,d parameters for %d steps in %.1f s (%,.0f tokens/s): train loss %.4f, val loss %.4f%n",
                    m.parameterCount(), r.steps() - r.startStep(), r.seconds(), r.tokensPerSecond(), r.trainLoss(), r.valLoss());
            w.printf("wrote %s and %s%n", gguf, hf);
        }
    }

    private LlamaTrainModel buildModel(ModelConfig fromCheckpoint, Tokenizer tok, long seedValue) {
        if (fromCheckpoint != null) return new LlamaTrainModel(fromCheckpoint); // weights come from the checkpoint
        String modelArg = flags.string(model, "model", null), presetArg = flags.string(preset, "preset", null);
        JsonNode fileMc = flags.value("model_config");
        JsonNode mc = modelConfig != null ? TrainFlags.readJson(flags.resolve(modelConfig)) : fileMc == null ? null
                : fileMc.isTextual() ? TrainFlags.readJson(flags.resolve(fileMc.asText())) : fileMc;
        int given = (modelArg != null ? 1 : 0) + (presetArg != null ? 1 : 0) + (mc != null ? 1 : 0);
        if (given != 1) throw new PithException("give exactly one of --model (continue a model), --preset or --model-config (a fresh model).");
        if (modelArg != null) {
            try (Model loaded = Models.load(flags.resolve(modelArg))) {
                return ModelBridge.fromModel(loaded);
            }
        }
        ModelConfig c = presetArg != null ? Presets.preset(presetArg, tok.vocabSize()) : Presets.fromJson(mc, tok.vocabSize(), "the model configuration");
        return TrainFlags.initialized(c, seedValue);
    }
}
