package dev.pith.cli;

import dev.pith.compress.calib.CalibrationText;
import dev.pith.compress.prune.DepthPruner;
import dev.pith.compress.prune.EmbeddingPruner;
import dev.pith.compress.prune.HeadPruner;
import dev.pith.compress.prune.Method;
import dev.pith.compress.prune.MlpPruner;
import dev.pith.compress.prune.ModelEdit;
import dev.pith.compress.prune.Recovery;
import dev.pith.compress.prune.Sparsity;
import dev.pith.compress.prune.TensorSparsity;
import dev.pith.compress.prune.UnstructuredPruner;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.ModelWriters;
import dev.pith.model.runtime.Perplexity;
import dev.pith.model.runtime.Transformer;
import dev.pith.train.TokenSource;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "prune", sortOptions = false,
        description = {"Remove the weights that matter least: single weights (magnitude, Wanda, SparseGPT),",
                "N:M groups (--pattern 2:4), whole MLP neurons (--structured mlp --ratio R) or whole blocks",
                "(--structured layers --remove K), optionally fine-tune briefly (--recover-steps N),",
                "and report sparsity, size and perplexity before and after."})
final class PruneCommand implements Runnable {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = "--method", paramLabel = "NAME", description = "Unstructured / N:M criterion: magnitude, wanda or sparsegpt.")
    String method;
    @Option(names = "--sparsity", paramLabel = "S", description = "Share of each projection matrix's weights to zero, in [0, 1).")
    Double sparsity;
    @Option(names = "--pattern", paramLabel = "N:M", description = "Keep N of every M consecutive weights of a row (2:4, 4:8, ...) instead of --sparsity.")
    String pattern;
    @Option(names = "--structured", paramLabel = "KIND", description = "Structured pruning: layers (whole blocks), mlp (SwiGLU neurons), heads (attention heads, whole key/value groups) or embedding (residual-stream channels).")
    String structured;
    @Option(names = "--remove", paramLabel = "K", description = "With --structured layers: blocks to remove.")
    Integer remove;
    @Option(names = "--ratio", paramLabel = "R", description = "With --structured mlp, heads or embedding: share of each layer's neurons, key/value heads, or of the embedding channels to remove, in (0, 1).")
    Double ratio;
    @Option(names = "--calib", paramLabel = "FILE", description = "Calibration text (not the evaluation text).")
    Path calib;
    @Option(names = "--calib-seqs", paramLabel = "N", defaultValue = "128", description = "Calibration sequences (default ${DEFAULT-VALUE}).")
    int calibSeqs;
    @Option(names = "--calib-len", paramLabel = "N", defaultValue = "128", description = "Tokens per calibration sequence (default ${DEFAULT-VALUE}).")
    int calibLen;
    @Option(names = {"-o", "--out"}, required = true, paramLabel = "PATH", description = "Pruned model: a .gguf file or a Hugging Face folder.")
    Path out;
    @Option(names = "--eval", paramLabel = "FILE", description = "Held-out text: perplexity before and after (llama.cpp's method, --ctx tokens per chunk); repeat for several files.")
    List<Path> eval = new ArrayList<>();
    @Option(names = "--eval-chunks", paramLabel = "N", defaultValue = "0", description = "Score at most N chunks of --eval (0 = all).")
    int evalChunks;
    @Option(names = "--recover-steps", paramLabel = "N", defaultValue = "0", description = "Fine-tune the pruned model for N steps (pruned weights stay zero).")
    int recoverSteps;
    @Option(names = "--recover-data", paramLabel = "FILE", description = "Text for recovery (default: --calib).")
    Path recoverData;
    @Option(names = "--lr", paramLabel = "X", defaultValue = "1e-4", description = "Recovery learning rate (default ${DEFAULT-VALUE}).")
    double lr;
    @Option(names = "--recover-batch", paramLabel = "N", defaultValue = "8", description = "Recovery sequences per step (default ${DEFAULT-VALUE}).")
    int recoverBatch;
    @Option(names = "--seed", paramLabel = "N", defaultValue = "1337", description = "Seed for recovery batches (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public void run() {
        long t0 = System.nanoTime();
        Plan plan = plan();
        Map<String, Object> report = new LinkedHashMap<>();
        try (Model in = common.load()) {
            if (in.tokenizer() == null && (calib != null || !eval.isEmpty()))
                throw new PithException(common.model + " has no tokenizer, so it cannot read calibration or evaluation text.");
            int[][] calibration = needsCalibration(plan) ? CalibrationText.sequences(in.tokenizer(), requireCalib(plan), calibSeqs, calibLen) : null;
            List<int[]> evalTokens = new ArrayList<>();
            for (Path f : eval) evalTokens.add(evalTokens(in, f));
            TokenSource recoverTokens = recoverSteps > 0 ? recoveryTokens(in) : null;
            int ctx = common.ctx > 0 ? common.ctx : in.config().contextLength();
            report.put("model", common.model.toString());
            report.put("out", out.toString());
            report.put("pruning", plan.describe());
            if (calibration != null) report.put("calibration_tokens", (long) calibSeqs * calibLen);
            report.put("params_before", in.parameterCount());
            report.put("bytes_before", in.byteSize());
            List<Map<String, Object>> evals = new ArrayList<>();
            for (int i = 0; i < eval.size(); i++) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("file", eval.get(i).toString());
                e.put("ppl_before", perplexity(in, evalTokens.get(i), ctx, "perplexity (dense)"));
                evals.add(e);
            }

            Map<String, boolean[]> masks = Map.of();
            Model pruned;
            if (plan.structured == null) {
                UnstructuredPruner.Result r;
                try (ProgressBar bar = Progress.bar("prune " + plan.method.name().toLowerCase(), in.config().layers())) {
                    r = UnstructuredPruner.prune(in, plan.method, plan.sparsity, calibration, bar::stepTo);
                }
                pruned = r.model();
                masks = r.masks();
                report.put("tensors", tensorReport(r.tensors()));
                report.put("layers", layerReport(r.tensors(), in.config().layers()));
                report.put("matrix_sparsity", overall(r.tensors()));
            } else if (plan.structured.equals("layers")) {
                DepthPruner.Result r = DepthPruner.prune(in, remove, calibration);
                pruned = r.model();
                report.put("block_influence", r.influence());
                report.put("removed_layers", r.removed());
                report.put("layers_after", pruned.config().layers());
            } else if (plan.structured.equals("embedding")) {
                EmbeddingPruner.Result r = EmbeddingPruner.prune(in, ratio, calibration);
                pruned = r.model();
                report.put("dim_before", in.config().dim());
                report.put("dim_after", pruned.config().dim());
            } else if (plan.structured.equals("heads")) {
                HeadPruner.Result r = HeadPruner.prune(in, ratio, calibration);
                pruned = r.model();
                report.put("heads_before", in.config().heads());
                report.put("heads_after", pruned.config().heads());
                report.put("kv_heads_after", pruned.config().kvHeads());
            } else {
                MlpPruner.Result r = MlpPruner.prune(in, ratio, calibration);
                pruned = r.model();
                report.put("ffn_before", in.config().ffnDim());
                report.put("ffn_after", pruned.config().ffnDim());
            }
            report.put("params_after", pruned.parameterCount());
            report.put("bytes_after", pruned.byteSize());
            for (int i = 0; i < eval.size(); i++) evals.get(i).put("ppl_after", perplexity(pruned, evalTokens.get(i), ctx, "perplexity (pruned)"));
            if (recoverSteps > 0) {
                int seqLen = Math.min(calibLen, pruned.config().contextLength());
                Recovery.Result rr;
                try (ProgressBar bar = Progress.bar("recover", recoverSteps)) {
                    rr = Recovery.recover(pruned, masks, recoverTokens, Recovery.options(recoverSteps, recoverBatch, seqLen, lr, seed), bar::stepTo);
                }
                pruned = rr.model();
                Map<String, Object> rec = new LinkedHashMap<>();
                rec.put("steps", rr.steps());
                rec.put("lr", lr);
                rec.put("first_loss", rr.firstLoss());
                rec.put("last_loss", rr.lastLoss());
                report.put("recovery", rec);
                if (!masks.isEmpty()) report.put("matrix_sparsity_after_recovery", overall(countZeros(pruned, masks.keySet())));
                for (int i = 0; i < eval.size(); i++)
                    evals.get(i).put("ppl_after_recovery", perplexity(pruned, evalTokens.get(i), ctx, "perplexity (recovered)"));
            }
            if (!evals.isEmpty()) {
                report.put("ctx", ctx);
                report.put("eval", evals);
                report.putAll(withoutFile(evals.get(0))); // the first file's figures at the top level, for scripts
            }
            ModelWriters.write(pruned, out);
        }
        report.put("seconds", (System.nanoTime() - t0) / 1e9);
        print(report);
    }

    /** The checked options: one kind of pruning and its parameters. */
    private record Plan(Method method, Sparsity sparsity, String structured) {
        String describe() {
            return structured != null ? structured : method.name().toLowerCase() + " " + sparsity;
        }
    }

    private Plan plan() {
        if (Files.exists(out) && out.toAbsolutePath().normalize().equals(common.model.toAbsolutePath().normalize()))
            throw new PithException("--out " + out + " is the input model; write the pruned model somewhere else.");
        if (recoverSteps < 0) throw new PithException("--recover-steps cannot be negative, got " + recoverSteps + ".");
        if (structured != null) {
            if (method != null || sparsity != null || pattern != null)
                throw new PithException("--structured cannot be combined with --method, --sparsity or --pattern.");
            switch (structured) {
                case "layers" -> { if (remove == null) throw new PithException("--structured layers needs --remove K."); }
                case "mlp", "heads", "embedding" -> {
                    if (ratio == null) throw new PithException("--structured " + structured + " needs --ratio R.");
                    if (!(ratio > 0 && ratio < 1)) throw new PithException("--ratio must lie in (0, 1), got " + ratio + ".");
                }
                default -> throw new PithException("--structured must be layers, mlp, heads or embedding, not '" + structured + "'.");
            }
            if (recoverSteps > 0 && (structured.equals("heads") || structured.equals("embedding")))
                throw new PithException("--recover-steps is not available after --structured " + structured
                        + ": the training engine needs heads × head width = embedding width, which that pruning changes.");
            return new Plan(null, null, structured);
        }
        if (method == null) throw new PithException("give --method magnitude|wanda|sparsegpt with --sparsity or --pattern, or --structured layers|mlp.");
        Method m = Method.parse(method);
        if ((sparsity == null) == (pattern == null)) throw new PithException("give exactly one of --sparsity S and --pattern N:M.");
        return new Plan(m, pattern != null ? Sparsity.pattern(pattern) : Sparsity.unstructured(sparsity), null);
    }

    private static boolean needsCalibration(Plan p) { return p.structured != null || p.method.needsCalibration(); }

    private Path requireCalib(Plan p) {
        if (calib == null) throw new PithException("--calib FILE is required for " + p.describe() + " pruning.");
        return calib;
    }

    private static Map<String, Object> withoutFile(Map<String, Object> e) {
        Map<String, Object> r = new LinkedHashMap<>(e);
        r.remove("file");
        return r;
    }

    private static int[] evalTokens(Model m, Path file) {
        String text = CalibrationText.read(file);
        // as llama.cpp's -f (and `pith perplexity`): one trailing newline dropped
        if (text.endsWith("\n")) text = text.substring(0, text.length() - 1);
        return m.tokenizer().encode(text, m.tokenizer().addBosByDefault(), false);
    }

    private TokenSource recoveryTokens(Model m) {
        Path f = recoverData != null ? recoverData : calib;
        if (f == null) throw new PithException("--recover-steps needs --recover-data FILE (or --calib).");
        return TokenSource.of(CalibrationText.tokens(m.tokenizer(), f));
    }

    private double perplexity(Model m, int[] tokens, int ctx, String task) {
        Transformer t = new Transformer(m, common.runtime().withContextLength(ctx));
        int total = tokens.length / ctx;
        if (evalChunks > 0) total = Math.min(total, evalChunks);
        try (ProgressBar bar = Progress.bar(task, total)) {
            int bos = m.tokenizer().addBosByDefault() ? m.tokenizer().bos() : -1;
            return Perplexity.compute(t, tokens, ctx, bos, evalChunks, bar::stepTo).ppl();
        }
    }

    private static List<Map<String, Object>> tensorReport(List<TensorSparsity> ts) {
        List<Map<String, Object>> r = new ArrayList<>();
        for (TensorSparsity t : ts) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", t.name());
            o.put("rows", t.rows());
            o.put("cols", t.cols());
            o.put("zeros", t.zeros());
            o.put("sparsity", t.sparsity());
            r.add(o);
        }
        return r;
    }

    /** Sparsity per block, over its projection matrices. */
    private static double[] layerReport(List<TensorSparsity> ts, int layers) {
        double[] zeros = new double[layers], total = new double[layers];
        for (TensorSparsity t : ts) {
            int l = Integer.parseInt(t.name().split("\\.")[1]);
            zeros[l] += t.zeros();
            total[l] += (double) t.rows() * t.cols();
        }
        for (int l = 0; l < layers; l++) zeros[l] /= total[l];
        return zeros;
    }

    private static double overall(List<TensorSparsity> ts) {
        double z = 0, n = 0;
        for (TensorSparsity t : ts) { z += t.zeros(); n += (double) t.rows() * t.cols(); }
        return z / n;
    }

    private static List<TensorSparsity> countZeros(Model m, Iterable<String> names) {
        List<TensorSparsity> r = new ArrayList<>();
        for (String name : names) {
            Tensor t = m.tensor(name);
            long z = 0;
            for (float v : ModelEdit.floats(t)) if (v == 0) z++;
            r.add(new TensorSparsity(name, t.rows(), t.cols(), z));
        }
        return r;
    }

    private void print(Map<String, Object> r) {
        PrintWriter o = spec.commandLine().getOut();
        if (common.json) {
            Json.print(o, r);
            return;
        }
        o.printf("pruned %s (%s) -> %s%n", r.get("model"), r.get("pruning"), r.get("out"));
        if (r.containsKey("layers")) {
            double[] layers = (double[]) r.get("layers");
            for (int l = 0; l < layers.length; l++) o.printf("  blk.%d sparsity %.4f%n", l, layers[l]);
            o.printf("  projection matrices: sparsity %.4f%n", (double) r.get("matrix_sparsity"));
        }
        if (r.containsKey("removed_layers")) o.printf("  removed blocks %s (block influence %s)%n",
                java.util.Arrays.toString((int[]) r.get("removed_layers")), java.util.Arrays.toString((double[]) r.get("block_influence")));
        if (r.containsKey("heads_after")) o.printf("  heads %s -> %s (%s key/value heads)%n", r.get("heads_before"), r.get("heads_after"), r.get("kv_heads_after"));
        if (r.containsKey("dim_after")) o.printf("  embedding width %s -> %s%n", r.get("dim_before"), r.get("dim_after"));
        if (r.containsKey("ffn_after")) o.printf("  ffn width %s -> %s%n", r.get("ffn_before"), r.get("ffn_after"));
        o.printf("  parameters %,d -> %,d; bytes %,d -> %,d%n", r.get("params_before"), r.get("params_after"), r.get("bytes_before"), r.get("bytes_after"));
        if (r.get("eval") instanceof List<?> evals)
            for (Object x : evals) {
                Map<?, ?> e = (Map<?, ?>) x;
                o.printf("  perplexity of %s: %.4f -> %.4f", e.get("file"), e.get("ppl_before"), e.get("ppl_after"));
                if (e.containsKey("ppl_after_recovery")) o.printf(" -> %.4f after %d recovery steps", e.get("ppl_after_recovery"), recoverSteps);
                o.println();
            }
        o.printf("  %.1f s%n", r.get("seconds"));
        o.flush();
    }
}
