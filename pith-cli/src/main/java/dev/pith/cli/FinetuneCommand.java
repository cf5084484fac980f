package dev.pith.cli;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.ModelWriters;
import dev.pith.model.Models;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.train.ModelBridge;
import dev.pith.train.TrainOptions;
import dev.pith.train.TrainRun;
import dev.pith.train.Trainer;
import dev.pith.train.lora.AdaLoraAdapter;
import dev.pith.train.lora.AdaLoraConfig;
import dev.pith.train.lora.FineTuneSetup;
import dev.pith.train.lora.FineTuneSetup.Method;
import dev.pith.train.lora.GgufAdapter;
import dev.pith.train.lora.InstructionData;
import dev.pith.train.lora.LoraAdapter;
import dev.pith.train.lora.LoraConfig;
import dev.pith.train.lora.LoraTarget;
import dev.pith.train.lora.PeftAdaLora;
import dev.pith.train.lora.PeftAdapter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "finetune", sortOptions = false,
        description = {"Adapt a model to new data: LoRA adapters (default), QLoRA over the base's own (quantized) tensors, "
                + "or the baselines: full fine-tuning (--full) and freezing (--freeze PATTERN, --train-last N).",
                "--data is a text file (the last 10%% held out), a folder from pith data pack, or a .jsonl of "
                        + "{\"instruction\"|\"prompt\", \"response\"} pairs (loss on the responses only; see docs/finetune.md).",
                "--adalora: SVD-form adapters (P·Λ·Q) with importance-based rank allocation (AdaLoRA); written as PEFT ADALORA and as a plain GGUF LoRA.",
                "LoRA writes OUT/adapter_config.json + OUT/adapter_model.safetensors (PEFT) and OUT/adapter.gguf (llama.cpp --lora); "
                        + "the baselines write OUT/model.gguf. Both write OUT/metrics.jsonl and OUT/checkpoint.bin."})
final class FinetuneCommand implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "The base model (GGUF, HF folder or llama2.c).") Path model;
    @Option(names = "--data", required = true, paramLabel = "PATH", description = "Text file, packed folder, or .jsonl instruction pairs.") Path data;
    @Option(names = "--lora-rank", paramLabel = "R", defaultValue = "8", description = "Adapter rank r (default ${DEFAULT-VALUE}).") int rank;
    @Option(names = "--lora-alpha", paramLabel = "A", description = "LoRA α; updates are scaled by α/r (default 2·r).") Double alpha;
    @Option(names = "--lora-dropout", paramLabel = "P", defaultValue = "0", description = "Dropout on the adapter's input while training (default ${DEFAULT-VALUE}).") double dropout;
    @Option(names = "--targets", paramLabel = "LIST", defaultValue = "q,k,v,o,gate,up,down", description = "Projections to adapt (default ${DEFAULT-VALUE}).") String targets;
    @Option(names = "--qlora", description = "Keep the frozen base in its own tensor type (e.g. Q4_0), dequantized on the fly; never a float32 copy.") boolean qlora;
    @Option(names = "--adalora", description = "AdaLoRA: SVD-form adapters whose total rank falls from --init-rank to --target-rank per projection, given to the most important triplets.") boolean adalora;
    @Option(names = "--init-rank", paramLabel = "R0", defaultValue = "12", description = "AdaLoRA: initial rank of every adapter (default ${DEFAULT-VALUE}, PEFT's).") int initRank;
    @Option(names = "--target-rank", paramLabel = "R1", defaultValue = "8", description = "AdaLoRA: average rank at the end; the total budget is R1 × adapted projections (default ${DEFAULT-VALUE}).") int targetRank;
    @Option(names = "--tinit", paramLabel = "N", defaultValue = "" + AdaLoraConfig.TINIT, description = "AdaLoRA: steps before the budget starts falling (default ${DEFAULT-VALUE}).") int tinit;
    @Option(names = "--tfinal", paramLabel = "N", defaultValue = "" + AdaLoraConfig.TFINAL, description = "AdaLoRA: last steps trained with the final allocation frozen (default ${DEFAULT-VALUE}).") int tfinal;
    @Option(names = "--delta-t", paramLabel = "N", defaultValue = "" + AdaLoraConfig.DELTA_T, description = "AdaLoRA: steps between two allocations (default ${DEFAULT-VALUE}).") int deltaT;
    @Option(names = "--ada-beta1", paramLabel = "X", defaultValue = "" + AdaLoraConfig.BETA1, description = "AdaLoRA: EMA factor of the sensitivity (default ${DEFAULT-VALUE}).") double adaBeta1;
    @Option(names = "--ada-beta2", paramLabel = "X", defaultValue = "" + AdaLoraConfig.BETA2, description = "AdaLoRA: EMA factor of the uncertainty (default ${DEFAULT-VALUE}).") double adaBeta2;
    @Option(names = "--orth-reg-weight", paramLabel = "X", defaultValue = "" + AdaLoraConfig.ORTH_REG_WEIGHT, description = "AdaLoRA: weight of the orthogonality penalty on P and Q (default ${DEFAULT-VALUE}).") double orthRegWeight;
    @Option(names = "--resume", description = "Continue the fine-tune whose checkpoint is in --out (same flags).") boolean resume;
    @Option(names = "--full", description = "Baseline: train every weight, no adapters.") boolean full;
    @Option(names = "--freeze", paramLabel = "REGEX", description = "Baseline: freeze the tensors whose GGUF name matches, train the rest (e.g. 'token_embd|blk\\.[0-3]\\.').") String freeze;
    @Option(names = "--train-last", paramLabel = "N", description = "Baseline: train only the last N blocks and the final norm.") Integer trainLast;
    @Mixin OptimizerFlags flags;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.") Path out;
    @Mixin OutputOptions output;

    @Override
    public void run() {
        ConfigValues none = ConfigValues.read(null, java.util.Set.of());
        flags.applyThreads(none);
        Method method = method();
        if (!resume && Files.exists(out.resolve(TrainRun.CHECKPOINT)))
            throw new PithException(out + " already holds a run (checkpoint.bin); pass --resume to continue it or choose another --out.");
        if (resume && !Files.exists(out.resolve(TrainRun.CHECKPOINT)))
            throw new PithException(out.resolve(TrainRun.CHECKPOINT) + ": no checkpoint to resume from.");
        if (!Files.exists(data)) throw new PithException(data + ": no such file or folder (--data).");
        boolean adapters = method == Method.LORA || method == Method.QLORA;
        LoraConfig lora = adapters && !adalora ? new LoraConfig(rank, alpha != null ? alpha : 2.0 * rank, dropout, LoraTarget.parse(targets)) : null;
        try (Model base = Models.load(model)) {
            Tokenizer tok = base.tokenizer();
            if (tok == null) throw new PithException(model + " carries no tokenizer; fine-tuning reads --data with the model's own tokenizer.");
            long seed = flags.seed(none);
            TrainOptions o = flags.options(none, base.config().contextLength());
            AdaLoraConfig ada = adapters && adalora ? new AdaLoraConfig(initRank, targetRank, alpha != null ? alpha : 2.0 * initRank, dropout,
                    LoraTarget.parse(targets), tinit, tfinal, deltaT, adaBeta1, adaBeta2, orthRegWeight, o.steps()) : null;
            FineTuneSetup.Result setup = FineTuneSetup.build(base, method, lora, ada, freeze, trainLast == null ? 0 : trainLast, seed);
            try (TrainingData td = data(tok)) {
                Trainer trainer = new Trainer(setup.model(), o, td.train(), td.val());
                if (setup.adaLora() != null) trainer.setHook(setup.adaLora());
                if (setup.lora() != null) trainer.setHook(setup.lora()); // its dropout generators go into checkpoints
                createOut();
                TrainRun.Settings s = flags.settings(none, out);
                TrainRun run = new TrainRun(trainer, s);
                // the base model on the same held-out windows: fresh adapters add nothing yet, so this precedes resuming
                double before = trainer.evaluate(s.evalBatches());
                if (resume) run.resume();
                TrainRun.Result r = TrainingData.run(run, trainer, "finetune", output.json);
                Map<String, Object> files = new LinkedHashMap<>();
                if (setup.adaLora() != null) {
                    setup.adaLora().finish();
                    AdaLoraAdapter adapter = setup.adaLora().snapshot(model.toString());
                    PeftAdaLora.write(adapter, base.config(), out);
                    GgufAdapter.write(adapter.toLora(), base.config(), out.resolve("adapter.gguf"));
                    files.put("peft", out.toString());
                    files.put("gguf_adapter", out.resolve("adapter.gguf").toString());
                    files.put("rank_in_use", adapter.rankInUse());
                    files.put("rank_budget_target", setup.adaLora().allocator().targetBudget());
                    files.put("rank_budget_initial", setup.adaLora().allocator().initBudget());
                    // what the schedule asked for at the last step (the target unless few steps and no --tfinal)
                    files.put("rank_budget_last_step", setup.adaLora().allocator().schedule(o.steps() - 1).budget());
                } else if (setup.lora() != null) {
                    LoraAdapter adapter = setup.lora().snapshot(model.toString());
                    PeftAdapter.write(adapter, base.config(), out);
                    GgufAdapter.write(adapter, base.config(), out.resolve("adapter.gguf"));
                    files.put("peft", out.toString());
                    files.put("gguf_adapter", out.resolve("adapter.gguf").toString());
                } else {
                    Path gguf = out.resolve("model.gguf");
                    ModelWriters.writeGguf(ModelBridge.toModel(setup.model(), tok, model), gguf);
                    files.put("gguf", gguf.toString());
                }
                report(method, setup, before, r, files, heldWeightBytes(setup, base));
            }
        }
    }

    private Method method() {
        int chosen = (full ? 1 : 0) + (freeze != null ? 1 : 0) + (trainLast != null ? 1 : 0);
        if (chosen > 1) throw new PithException("give at most one of --full, --freeze and --train-last.");
        if (chosen == 1 && adalora) throw new PithException("--adalora trains adapters; it cannot be combined with --full, --freeze or --train-last.");
        if (chosen == 1 && qlora) throw new PithException("--qlora trains adapters; it cannot be combined with --full, --freeze or --train-last.");
        if (full) return Method.FULL;
        if (freeze != null) return Method.FREEZE;
        if (trainLast != null) return Method.TRAIN_LAST;
        return qlora ? Method.QLORA : Method.LORA;
    }

    private TrainingData data(Tokenizer tok) {
        if (Files.isRegularFile(data) && InstructionData.isJsonl(data)) {
            InstructionData.Packed p = InstructionData.read(data, tok);
            int split = (int) (p.tokens().length * 0.9);
            return new TrainingData(p.source(0, split), p.source(split, p.tokens().length), new AutoCloseable[0]);
        }
        return TrainingData.open(data, tok, model);
    }

    private void createOut() {
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new PithException(out + ": cannot be created (" + e.getMessage() + ").", e);
        }
    }

    /** Bytes of base weights the run holds: float32 copies in the heap, or the base's own (quantized, mapped) tensors for QLoRA. */
    private static long heldWeightBytes(FineTuneSetup.Result setup, Model base) {
        long n = 0;
        for (var p : setup.model().params()) n += p.inHeap() ? 4L * p.size() : base.tensor(p.name()).byteSize();
        return n;
    }

    private void report(Method method, FineTuneSetup.Result setup, double before, TrainRun.Result r, Map<String, Object> files, long weightBytes) {
        var w = spec.commandLine().getOut();
        long total = 0;
        for (var p : setup.model().params()) total += p.size();
        long trainable = setup.trainableParameters();
        if (output.json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("method", setup.adaLora() != null ? (method == Method.QLORA ? "qadalora" : "adalora") : method.name().toLowerCase(java.util.Locale.ROOT));
            o.put("trainable_parameters", trainable);
            o.put("base_parameters", total);
            o.put("trainable_fraction", (double) trainable / total);
            o.put("base_val_loss", before);
            o.put("val_loss", r.valLoss());
            o.put("val_perplexity", Math.exp(r.valLoss()));
            o.put("train_loss", r.trainLoss());
            o.put("tokens_per_second", r.tokensPerSecond());
            o.put("seconds", r.seconds());
            o.put("steps", r.steps());
            o.put("peak_rss_bytes", dev.pith.core.ProcessStats.peakRssBytes());
            o.put("base_weight_bytes", weightBytes);
            // weights, gradients and the two AdamW moments of what is trained
            o.put("trainable_state_bytes", 16L * trainable);
            o.putAll(files);
            Json.print(w, o);
        } else {
            w.printf("%s: trained %,d of %,d parameters (%.2f%%) for %d steps in %.1f s (%,.0f tokens/s)%n", method.name().toLowerCase(java.util.Locale.ROOT),
                    trainable, total, 100.0 * trainable / total, r.steps() - r.startStep(), r.seconds(), r.tokensPerSecond());
            w.printf("held-out loss %.4f → %.4f (perplexity %.2f → %.2f)%n", before, r.valLoss(), Math.exp(before), Math.exp(r.valLoss()));
            w.printf("wrote %s%n", String.join(", ", files.values().stream().map(Object::toString).toList()));
        }
    }
}
