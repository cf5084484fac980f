package dev.pith.cli;

import dev.pith.compress.calib.CalibrationText;
import dev.pith.compress.prune.BlockMatrices;
import dev.pith.compress.prune.F32Model;
import dev.pith.compress.prune.LayerRemover;
import dev.pith.compress.prune.Method;
import dev.pith.compress.prune.EmbeddingPruner;
import dev.pith.compress.prune.HeadPruner;
import dev.pith.compress.prune.MlpWidthPruner;
import dev.pith.compress.prune.Recovery;
import dev.pith.compress.prune.TargetParams;
import dev.pith.train.TokenSource;
import dev.pith.compress.prune.Pattern;
import dev.pith.compress.prune.UnstructuredPruner;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.ModelWriters;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "prune",
        description = {"Remove the weights that matter least and write an F32 GGUF.",
                "Unstructured or N:M: --method magnitude|wanda|sparsegpt --sparsity S or --pattern N:M (per output row).",
                "Structured: --structured layers --remove K (ShortGPT Block Influence) or --structured mlp --ratio R",
                "(neurons by mean |activation|, the same count from every layer). Calibration statistics come from --calib text."})
final class PruneCommand implements Runnable {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = {"-o", "--out"}, required = true, description = "Output GGUF file (F32).")
    Path out;

    @Option(names = "--method", description = "magnitude, wanda or sparsegpt (unstructured and N:M pruning).")
    String method;

    @Option(names = "--sparsity", description = "Fraction of each output row's weights to remove, in [0, 1).")
    Double sparsity;

    @Option(names = "--pattern", paramLabel = "N:M", description = "Keep N weights of every M consecutive ones in a row (2:4, 4:8, ...); sets the sparsity to 1 - N/M.")
    String pattern;

    @Option(names = "--structured", description = "layers (remove whole blocks), mlp (MLP neurons), heads (attention heads, whole key/value groups) or embedding (residual-stream channels).")
    String structured;

    @Option(names = "--remove", description = "With --structured layers: how many blocks to remove.")
    Integer remove;

    @Option(names = "--ratio", description = "With --structured mlp, heads or embedding: fraction of MLP neurons, key/value heads or embedding channels to remove, in [0, 1).")
    Double ratio;

    @Option(names = "--target-params", paramLabel = "N", description = "With --structured mlp, heads or embedding, instead of --ratio: remove the fewest units that leave at most N parameters.")
    Long targetParams;

    @Option(names = "--per-layer", description = "With --structured mlp: choose the neurons to remove across all layers, so each block keeps its own width (GGUF feed_forward_length becomes an array).")
    boolean perLayer;

    @Option(names = "--calib", paramLabel = "FILE", description = "UTF-8 calibration text (not needed for magnitude).")
    Path calib;

    @Option(names = "--calib-tokens", defaultValue = "8192", description = "Calibration tokens, in sequences of 128 (default ${DEFAULT-VALUE}: 64 sequences).")
    int calibTokens;

    @Option(names = "--eval", paramLabel = "FILE", description = "Text whose perplexity (llama.cpp's method, --eval-ctx) is measured before and after; may be repeated.")
    List<Path> eval = new ArrayList<>();

    @Option(names = "--eval-ctx", defaultValue = "128", description = "Context of the perplexity chunks (default ${DEFAULT-VALUE}).")
    int evalCtx;

    @Option(names = "--eval-chunks", defaultValue = "100", description = "Chunks of the --eval text to score; 0 = all (default ${DEFAULT-VALUE}).")
    int evalChunks;

    @Option(names = "--recover-steps", paramLabel = "N", defaultValue = "0", description = "Fine-tune the pruned model for N steps afterwards; pruned weights stay zero (default ${DEFAULT-VALUE}: none).")
    int recoverSteps;

    @Option(names = "--recover-data", paramLabel = "FILE", description = "Text for recovery fine-tuning (default: --calib).")
    Path recoverData;

    @Option(names = "--lr", paramLabel = "X", defaultValue = "1e-4", description = "Recovery learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--recover-batch", paramLabel = "N", defaultValue = "8", description = "Recovery sequences of 128 tokens per step (default ${DEFAULT-VALUE}).")
    int recoverBatch;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1337", description = "Seed of the recovery batches (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public void run() {
        long t0 = System.nanoTime();
        validate();
        try (Model src = common.load(); Model dense = F32Model.copy(src); Arena arena = Arena.ofShared()) {
            checkShapes(dense);
            boolean needsCalib = structured != null || Method.parse(method) != Method.MAGNITUDE;
            int seqLen = Math.min(128, dense.config().contextLength());
            int[][] calibration = needsCalib
                    ? CalibrationText.sequences(calib, requireTokenizer(dense), Math.max(1, (calibTokens + seqLen - 1) / seqLen), seqLen)
                    : null;
            PruneEval evals = new PruneEval(eval, eval.isEmpty() ? null : requireTokenizer(dense), common.runtime(), evalCtx, evalChunks);
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("in", common.model.toString());
            o.put("out", out.toString());
            evals.measure(dense, "ppl_before");
            long paramsBefore = dense.parameterCount(), bytesBefore = src.byteSize(), nonzeroBefore = nonZero(dense);
            Model pruned = prune(dense, calibration, arena, o);
            evals.measure(pruned, "ppl_after");
            if (recoverSteps > 0) {
                pruned = recover(pruned, seqLen, o);
                evals.measure(pruned, "ppl_after_recovery");
            }
            ModelWriters.write(pruned, out);
            o.put("layers", perLayer(pruned));
            o.put("params_before", paramsBefore);
            o.put("params_after", pruned.parameterCount());
            o.put("nonzero_before", nonzeroBefore);
            o.put("nonzero_after", nonZero(pruned));
            o.put("bytes_before", bytesBefore);
            o.put("bytes_after", pruned.byteSize());
            o.put("file_bytes", size(out));
            evals.report(o);
            o.put("calib_tokens", calibration == null ? 0 : calibration.length * seqLen);
            o.put("seconds", (System.nanoTime() - t0) / 1e9);
            print(o);
        }
    }

    /**
     * A short fine-tune with the training engine. Unstructured and N:M pruning keep their zeros: every
     * weight that is zero after pruning is set back to zero after each optimizer step.
     */
    private Model recover(Model pruned, int seqLen, Map<String, Object> o) {
        Map<String, boolean[]> masks = structured == null ? Recovery.zeroMasks(pruned) : Map.of();
        Path data = recoverData != null ? recoverData : calib;
        int[] tokens = EvalText.tokens(data, requireTokenizer(pruned));
        Recovery.Result r;
        try (ProgressBar bar = Progress.bar("recover", recoverSteps)) {
            r = Recovery.recover(pruned, masks, TokenSource.of(tokens), Recovery.options(recoverSteps, recoverBatch, seqLen, lr, seed), bar::stepTo);
        }
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("steps", r.steps());
        rec.put("lr", lr);
        rec.put("first_loss", r.firstLoss());
        rec.put("last_loss", r.lastLoss());
        o.put("recovery", rec);
        return r.model();
    }

    /** Checks of the options that need no model, before anything is loaded. */
    private void validate() {
        if (recoverSteps < 0) throw new PithException("--recover-steps cannot be negative, got " + recoverSteps + ".");
        if (recoverSteps > 0 && recoverData == null && calib == null)
            throw new PithException("--recover-steps needs training text: give --recover-data FILE (or --calib FILE).");
        if (recoverSteps > 0 && ("heads".equals(structured) || "embedding".equals(structured)))
            throw new PithException("--recover-steps is not available after --structured " + structured
                    + ": the training engine needs heads × head width = embedding width, which that pruning changes.");
        if (perLayer && !"mlp".equals(structured)) throw new PithException("--per-layer applies to --structured mlp only.");
        if (perLayer && recoverSteps > 0)
            throw new PithException("--recover-steps is not available with --per-layer: the training engine needs one MLP width in every layer.");
        if (!ModelWriters.targetFor(out).equals(ModelWriters.Target.GGUF))
            throw new PithException(out + ": pruned models are written as GGUF; give a name ending in .gguf.");
        if (structured == null) {
            if (method == null) throw new PithException("give --method magnitude|wanda|sparsegpt or --structured layers|mlp.");
            Method m = Method.parse(method);
            if (pattern == null && sparsity == null) throw new PithException("give --sparsity S (a fraction in [0, 1)) or --pattern N:M.");
            Pattern p = pattern == null ? Pattern.unstructured(sparsity) : Pattern.parse(pattern);
            if (sparsity != null && pattern != null && Math.abs(sparsity - p.sparsity()) > 1e-9)
                throw new PithException("--sparsity " + sparsity + " disagrees with --pattern " + pattern + " (which removes " + p.sparsity() + "); give one of them.");
            if (m != Method.MAGNITUDE) requireCalib();
        } else if (structured.equals("layers")) {
            if (remove == null) throw new PithException("--structured layers needs --remove K, the number of blocks to remove.");
            requireCalib();
        } else if (targetParams != null && List.of("mlp", "heads", "embedding").contains(structured)) {
            if (ratio != null) throw new PithException("give --ratio or --target-params, not both.");
            if (targetParams <= 0) throw new PithException("--target-params must be a positive parameter count, not " + targetParams + ".");
            requireCalib();
        } else if (structured.equals("mlp")) {
            if (ratio == null) throw new PithException("--structured mlp needs --ratio R, the fraction of MLP neurons to remove (or --target-params N).");
            if (!(ratio >= 0 && ratio < 1)) throw new PithException("the ratio " + ratio + " is outside [0, 1): it is the fraction of MLP neurons to remove.");
            requireCalib();
        } else if (structured.equals("heads") || structured.equals("embedding")) {
            if (ratio == null) throw new PithException("--structured " + structured + " needs --ratio R, the fraction to remove (or --target-params N).");
            if (!(ratio > 0 && ratio < 1)) throw new PithException("the ratio " + ratio + " is outside (0, 1): it is the fraction of " + structured + " to remove.");
            requireCalib();
        } else {
            throw new PithException("--structured '" + structured + "' is not one of layers, mlp, heads, embedding.");
        }
    }

    /** Checks that need the model's shapes, before any calibration work. */
    private void checkShapes(Model m) {
        if (structured == null) UnstructuredPruner.checkShapes(m, pattern == null ? Pattern.unstructured(sparsity) : Pattern.parse(pattern));
        else if (structured.equals("layers")) LayerRemover.check(m, remove);
        else if (targetParams != null) ratio = TargetParams.ratio(m, structured, targetParams);
    }

    private void requireCalib() {
        if (calib == null) throw new PithException("this pruning method needs calibration text: give --calib FILE.");
        if (!Files.isRegularFile(calib)) throw new PithException(calib + ": the calibration file does not exist.");
        if (calibTokens <= 0) throw new PithException("--calib-tokens must be positive, not " + calibTokens + ".");
    }

    private Model prune(Model dense, int[][] calibration, Arena arena, Map<String, Object> o) {
        if (structured == null) {
            Method m = Method.parse(method);
            Pattern p = pattern == null ? Pattern.unstructured(sparsity) : Pattern.parse(pattern);
            o.put("method", m.name().toLowerCase());
            o.put("pattern", p.nm() ? p.n() + ":" + p.m() : "unstructured");
            o.put("sparsity", p.sparsity());
            try (ProgressBar bar = Progress.bar("prune " + m.name().toLowerCase(), dense.config().layers())) {
                UnstructuredPruner.prune(dense, m, p, calibration, bar::stepTo);
            }
            return dense;
        }
        o.put("structured", structured);
        if (targetParams != null) {
            o.put("target_params", targetParams);
            o.put("ratio", ratio);
        }
        if (structured.equals("layers")) {
            LayerRemover.Result r = LayerRemover.remove(dense, remove, calibration);
            o.put("block_influence", r.influence());
            o.put("removed_layers", r.removed());
            o.put("layers_after", r.model().config().layers());
            return r.model();
        }
        if (structured.equals("heads")) {
            HeadPruner.Result r = HeadPruner.prune(dense, ratio, calibration);
            o.put("heads_before", dense.config().heads());
            o.put("kv_heads_before", dense.config().kvHeads());
            o.put("heads_after", r.model().config().heads());
            o.put("kv_heads_after", r.model().config().kvHeads());
            return r.model();
        }
        if (structured.equals("embedding")) {
            EmbeddingPruner.Result r = EmbeddingPruner.prune(dense, ratio, calibration);
            o.put("dim_before", dense.config().dim());
            o.put("dim_after", r.model().config().dim());
            return r.model();
        }
        MlpWidthPruner.Result r = MlpWidthPruner.prune(dense, ratio, calibration, arena, perLayer);
        o.put("ffn_before", r.ffnBefore());
        o.put("ffn_after", perLayer ? r.ffnAfter() : r.ffnAfter()[0]);
        if (perLayer) o.put("per_layer", true);
        return r.model();
    }

    private dev.pith.model.tokenizer.Tokenizer requireTokenizer(Model m) {
        if (m.tokenizer() == null) throw new PithException(common.model + " has no tokenizer, which calibration and evaluation text need.");
        return m.tokenizer();
    }

    /** Sparsity of each block's seven projection matrices. */
    private static List<Map<String, Object>> perLayer(Model m) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int l = 0; l < m.config().layers(); l++) {
            long n = 0, z = 0;
            for (String name : BlockMatrices.names(l)) {
                Tensor t = m.tensor(name);
                n += t.elementCount();
                z += t.elementCount() - nonZero(t);
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("layer", l);
            e.put("params", n);
            e.put("sparsity", (double) z / n);
            out.add(e);
        }
        return out;
    }

    private static long nonZero(Model m) {
        long n = 0;
        for (Tensor t : m.tensors().values()) n += nonZero(t);
        return n;
    }

    private static long nonZero(Tensor t) {
        long n = 0, count = t.elementCount();
        for (long i = 0; i < count; i++) if (t.data().getAtIndex(ValueLayout.JAVA_FLOAT, i) != 0f) n++;
        return n;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private void print(Map<String, Object> o) {
        PrintWriter w = spec.commandLine().getOut();
        if (common.json) {
            Json.print(w, o);
            return;
        }
        w.printf("wrote %s in %.1f s%n", out, (Double) o.get("seconds"));
        @SuppressWarnings("unchecked") List<Map<String, Object>> layers = (List<Map<String, Object>>) o.get("layers");
        for (Map<String, Object> l : layers) w.printf("  layer %2d: %,d params, sparsity %.2f%%%n", l.get("layer"), l.get("params"), 100 * (Double) l.get("sparsity"));
        w.printf("params %,d -> %,d (non-zero %,d -> %,d), bytes %,d -> %,d (F32 file %,d bytes)%n", o.get("params_before"), o.get("params_after"),
                o.get("nonzero_before"), o.get("nonzero_after"), o.get("bytes_before"), o.get("bytes_after"), o.get("file_bytes"));
        if (o.containsKey("ppl_before")) w.printf("perplexity %.4f -> %.4f on %s%n", o.get("ppl_before"), o.get("ppl_after"), o.get("eval"));
        if (o.containsKey("ppl_after_recovery")) w.printf("perplexity after %d recovery steps %.4f%n", recoverSteps, o.get("ppl_after_recovery"));
        w.flush();
    }
}
