package dev.pith.cli;

import dev.pith.compress.awq.Awq;
import dev.pith.compress.awq.ClipSearch;
import dev.pith.compress.awq.ScaleSearch;
import dev.pith.compress.calib.CalibrationText;
import dev.pith.compress.calib.LinearInputStats;
import dev.pith.compress.prune.F32Model;
import dev.pith.compress.gptq.Gptq;
import dev.pith.compress.gptq.HessianCollector;
import dev.pith.compress.gptq.SequentialGptq;
import dev.pith.compress.imatrix.Imatrix;
import dev.pith.compress.imatrix.ImatrixFile;
import dev.pith.compress.quant.ActivationSensitivity;
import dev.pith.compress.quant.BudgetPlanner;
import dev.pith.compress.quant.CalibrationLoss;
import dev.pith.compress.quant.Choice;
import dev.pith.compress.quant.FileType;
import dev.pith.compress.quant.GptqEncoder;
import dev.pith.compress.quant.EmbeddingImportance;
import dev.pith.compress.gptq.Hessian;
import dev.pith.compress.quant.ImatrixEncoder;
import dev.pith.compress.quant.LossSensitivity;
import dev.pith.compress.quant.PlanKl;
import dev.pith.compress.quant.PlanSearch;
import dev.pith.compress.quant.MatrixEncoder;
import dev.pith.compress.quant.EarlyRead;
import dev.pith.compress.quant.QuantTrace;
import dev.pith.compress.quant.ModelQuantizer;
import dev.pith.compress.quant.RtnEncoder;
import dev.pith.compress.quant.SensitivityFile;
import dev.pith.compress.quant.SequentialGptqEncoder;
import dev.pith.compress.quant.TypePlanner;
import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.ModelWriters;
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
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

@Command(name = "quantize",
        description = {"Quantize a model to a llama.cpp file type, choosing each tensor's type as llama-quantize does.",
                "Types: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, and the K-quant mixtures Q2_K, Q3_K_S, Q3_K_M, Q3_K_L,",
                "Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K (Q3_K/Q4_K/Q5_K mean the _M mixtures). Rows that are not whole blocks",
                "fall back to the type llama.cpp falls back to, with a warning naming the tensor.",
                "Methods: rtn (round to nearest, byte-identical to llama-quantize), imatrix (importance-weighted, needs",
                "--imatrix FILE from `pith imatrix`, byte-identical to llama-quantize --imatrix), gptq (needs --calib FILE),",
                "awq (needs --calib FILE: per-channel scales searched on calibration activations, folded into the norms and",
                "the preceding matrices so the file stays a plain Llama GGUF, then rounded to nearest)."})
final class QuantizeCommand implements Runnable {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = {"-o", "--out"}, required = true, description = "Output GGUF file.")
    Path out;

    @Option(names = "--type", required = true, paramLabel = "TYPE", description = "File type (see above).")
    String type;

    @Option(names = "--tensor-type", paramLabel = "PATTERN=TYPE",
            description = "Give tensors whose name matches the regex PATTERN the tensor type TYPE (first match wins; repeatable).")
    List<String> tensorTypes = new ArrayList<>();

    @Option(names = "--method", paramLabel = "METHOD",
            description = "rtn, imatrix, gptq or awq (default: imatrix when --imatrix is given, else rtn).")
    String method;

    @Option(names = "--imatrix", paramLabel = "FILE", description = "Importance matrix (from `pith imatrix` or llama-imatrix).")
    Path imatrix;

    @Option(names = "--calib", paramLabel = "FILE", description = "Calibration text for --method gptq or awq.")
    Path calib;

    @Option(names = "--chunks", defaultValue = "32", paramLabel = "N", description = "GPTQ and AWQ: calibration chunks (default ${DEFAULT-VALUE}).")
    int chunks;

    @Option(names = "--calib-ctx", defaultValue = "128", paramLabel = "N", description = "GPTQ and AWQ: tokens per calibration chunk (default ${DEFAULT-VALUE}).")
    int calibCtx;

    @Option(names = "--act-order", description = "GPTQ: quantize columns in order of decreasing Hessian diagonal.")
    boolean actOrder;

    @Option(names = "--gptq-all-at-once", description = "GPTQ: collect every Hessian in one pass of the original model (memory grows with the model) instead of block by block on the quantized blocks' outputs.")
    boolean gptqAllAtOnce;

    @Option(names = "--gptq-within-block", negatable = true, defaultValue = "false",
            description = "GPTQ: inside each block too, quantize the matrices in stages (q/k/v, then o, gate/up, down), each stage's Hessians from a run with the earlier stages quantized (GPTQ's \"true sequential\"; one more pass of the block per stage; default ${DEFAULT-VALUE}).")
    boolean gptqWithinBlock;

    @Option(names = "--damp", defaultValue = "0.01", paramLabel = "F", description = "GPTQ: dampening, a fraction of the mean Hessian diagonal (default ${DEFAULT-VALUE}).")
    double damp;

    @Option(names = "--gptq-refits", defaultValue = "0", paramLabel = "N",
            description = {"GPTQ: rounds of refitting each row's block scales to the chosen codes on the Hessian-weighted error,",
                    "each followed by a GPTQ sweep inside the refitted grid (default ${DEFAULT-VALUE}); a row keeps its best round."})
    int gptqRefits;

    @Option(names = "--embed-importance", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = {"GPTQ: round an untied token embedding with column importance from the model's norm weights",
                    "(mean g² over the RMS norms its rows pass through) instead of to nearest (default on; --no-embed-importance: RTN)."})
    boolean embedImportance;

    @Option(names = "--target-bpw", paramLabel = "X",
            description = {"Mixed precision: choose each tensor's type among Q2_K..Q8_0 (after the row-width fallback) to minimise",
                    "the measured damage with all tensors at most X bits per parameter. With --calib FILE the damage is loss-aware:",
                    "KL divergence of the model's next-token distributions on --budget-chunks chunks when that tensor alone is",
                    "quantized (every 2-D weight choosable, the token embedding too); with only --imatrix it is the importance-",
                    "weighted squared error of each block matrix (--type then gives the embedding/output types)."})
    Double targetBpw;

    @Option(names = "--budget-chunks", defaultValue = "8", paramLabel = "N",
            description = "--target-bpw/--target-size with --calib: calibration chunks (of --calib-ctx tokens) for the sensitivities (default ${DEFAULT-VALUE}).")
    int budgetChunks;

    @Option(names = "--budget-calib", paramLabel = "FILE",
            description = {"--target-bpw/--target-size with --calib: measure the sensitivities and judge plans on this text instead of --calib",
                    "(GPTQ fits its encodings to --calib, so plans judged on the same chunks are judged on the encoder's own training text)."})
    Path budgetCalib;

    @Option(names = "--budget-loss", defaultValue = "kl", paramLabel = "kl|nll",
            description = {"--target-bpw/--target-size with --calib: what a plan's damage on the calibration chunks is: kl (the KL of the",
                    "next-token distributions from the original's, default) or nll (the increase of the true next token's negative log-likelihood)."})
    String budgetLoss;

    @Option(names = "--budget-second-half",
            description = {"--target-bpw/--target-size with --calib: score only the second half of every calibration chunk's positions,",
                    "the positions llama.cpp's perplexity scores (each sees at least half a context), instead of all of them."})
    boolean budgetSecondHalf;

    @Option(names = "--budget-rounds", defaultValue = "2", paramLabel = "N",
            description = {"--target-bpw/--target-size with --calib: after the first-order plan, judge whole plans by their calibration KL:",
                    "keep the best of that plan and every named mixture that fits, then N rounds of re-measuring each tensor's",
                    "alternatives around it and re-solving (default ${DEFAULT-VALUE}; 0: the first-order plan as is)."})
    int budgetRounds;

    @Option(names = "--sensitivities", paramLabel = "FILE",
            description = {"--target-bpw/--target-size: read the measured sensitivities from FILE if it exists, else measure them and",
                    "write them there (so several budgets of one model are planned from one measurement)."})
    Path sensitivities;

    @Option(names = "--target-size", paramLabel = "BYTES",
            description = {"Mixed precision like --target-bpw, to a file of at most BYTES bytes (the metadata and tokenizer",
                    "counted as in the input file; needs --calib or --imatrix)."})
    Long targetSize;

    @Option(names = "--awq-clip", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "AWQ: after scaling, clip each block's weights to the range searched on the calibration activations (default on; --no-awq-clip turns it off).")
    boolean awqClip;

    @Option(names = "--awq-imatrix", negatable = true, defaultValue = "false", fallbackValue = "true",
            description = {"AWQ: write the scaled model with importance-weighted rounding (llama.cpp's imatrix method, importance",
                    "= mean x² of each matrix's scaled input on the calibration text) instead of RTN (default ${DEFAULT-VALUE})."})
    boolean awqImatrix;

    @Option(names = "--awq-grid", defaultValue = "20", paramLabel = "N", description = "AWQ: values of alpha searched in [0, 1) (default ${DEFAULT-VALUE}).")
    int awqGrid;

    @Override
    public void run() {
        long t0 = System.nanoTime();
        QuantTrace.mark("quantize command runs");
        FileType ftype = FileType.parse(type);
        List<TypePlanner.Override> overrides = parseOverrides(tensorTypes);
        String m = method != null ? method : imatrix != null ? "imatrix" : "rtn";
        if (targetBpw != null && targetSize != null) throw new PithException("give --target-bpw or --target-size, not both.");
        if (m.equals("awq") && calib == null) throw new PithException("--method awq needs calibration text: --calib FILE.");
        if (budgetCalib != null && calib == null) throw new PithException("--budget-calib needs --calib FILE (the budget is measured on calibration text).");
        CalibrationLoss loss = budgetLoss();
        PrintWriter err = spec.commandLine().getErr();
        // only calibration text needs the tokenizer (GPTQ, AWQ, budgets measured on --calib)
        // round to nearest plans from the header alone: a cold input starts streaming from disk while the model loads
        boolean rtnOnly = m.equals("rtn") && calib == null && targetBpw == null && targetSize == null;
        try (EarlyRead early = rtnOnly ? EarlyRead.start(common.model, ftype, overrides) : null;
             Model src = calib != null ? common.load() : common.loadWeights()) {
            QuantTrace.mark("model loaded");
            // GPTQ and AWQ learn while the file is written (GPTQ block by block, from the final plan); a budget measures with RTN
            if (m.equals("gptq") && calib == null) throw new PithException("--method gptq needs calibration text: --calib FILE.");
            boolean budgeted = targetBpw != null || targetSize != null;
            // a GPTQ budget measures each candidate as GPTQ would write it (Hessians of the original model, one pass)
            MatrixEncoder encoder = m.equals("awq") ? new RtnEncoder()
                    : m.equals("gptq") ? (budgeted ? gptqAllAtOnce(src) : new RtnEncoder()) : encoder(m, src);
            TypePlanner.Plan plan = ModelQuantizer.plan(src, ftype, overrides, m.equals("imatrix"));
            if (budgeted) {
                if (calib != null) budget(src, LossSensitivity.unmeasured(src), plan); // refuse an unreachable budget before measuring
                Map<String, List<Choice>> choices = sensitivities(src, encoder, loss);
                TypePlanner.Plan firstOrder = budget(src, choices, plan);
                if (calib != null && budgetRounds > 0) firstOrder = refine(src, choices, plan, firstOrder, overrides, m.equals("imatrix"), encoder, loss);
                plan = firstOrder;
            }
            if (m.equals("gptq")) encoder = gptqAllAtOnce && encoder instanceof GptqEncoder measured ? measured : gptq(src, plan);
            for (String w : plan.warnings()) err.println("warning: " + w);
            err.flush();
            List<Awq.Group> awq = List.of();
            try (Model base = m.equals("awq") ? F32Model.copy(src) : null) {
                Model in = base != null ? base : src;
                if (base != null) {
                    awq = awq(base, plan);
                    if (awqImatrix) encoder = new ImatrixEncoder(Awq.importance(awq, awqStats), calib);
                }
                if (common.json) warmJson();
                ModelQuantizer.Written w;
                try (ProgressBar bar = Progress.bar("quantize", in.tensors().size())) {
                    w = write(in, ftype, plan, encoder, n -> bar.step(), early);
                }
                QuantTrace.mark("written");
                checkSize();
                report(src, w, ftype, m, plan, awq, t0);
                QuantTrace.mark("reported");
            }
        }
    }

    /**
     * Loads and links Jackson's serializers for the report on a side thread while the model is
     * quantized: done on first use, it was 0.1-0.2 s between the last write and the exit of a
     * cold 1B run (a twentieth of the run), when the reading of the input leaves a core idle.
     */
    private static void warmJson() {
        Map<String, Object> sample = new LinkedHashMap<>();
        sample.put("s", "x");
        sample.put("l", 1L);
        sample.put("d", 1.0);
        sample.put("m", new TreeMap<>(Map.of("k", 1)));
        sample.put("a", List.of("w"));
        Thread.ofPlatform().daemon().name("pith-json-warmup").start(() -> {
            try {
                Json.MAPPER.writeValueAsString(sample);
            } catch (com.fasterxml.jackson.core.JsonProcessingException ignored) {
                // a warm-up only: the report itself shows any real failure
            }
        });
    }

    /**
     * A GGUF source streams tensor by tensor into the output (memory: one tensor); other sources
     * (an HF folder or llama2.c file, whose GGUF metadata is made from the whole model) are quantized
     * in memory and then written.
     */
    private ModelQuantizer.Written write(Model in, FileType ftype, TypePlanner.Plan plan, MatrixEncoder encoder, java.util.function.Consumer<String> progress,
                                        EarlyRead early) {
        if (in.metadata().containsKey("general.architecture")) return ModelQuantizer.write(in, ftype, plan, encoder, out, progress, early);
        try (Model q = ModelQuantizer.apply(in, ftype, plan, encoder, progress)) {
            ModelWriters.writeGguf(q, out);
            Map<String, Integer> counts = new TreeMap<>();
            for (var t : q.tensors().values()) counts.merge(t.type().name(), 1, Integer::sum);
            return new ModelQuantizer.Written(q.byteSize(), counts);
        }
    }

    private TypePlanner.Plan budget(Model src, Map<String, List<Choice>> choices, TypePlanner.Plan base) {
        return targetBpw != null ? BudgetPlanner.allocate(src, choices, targetBpw, base)
                : BudgetPlanner.allocateBytes(src, choices, targetSize - overheadBytes(src), base, "--target-size " + targetSize);
    }

    /** The text a budget's sensitivities and plans are judged on: --budget-calib, else --calib. */
    private Path budgetText() {
        return budgetCalib != null ? budgetCalib : calib;
    }

    /** The first position of a calibration chunk the budget's loss scores. */
    private int firstScored() {
        return budgetSecondHalf ? calibCtx / 2 : 0;
    }

    private CalibrationLoss budgetLoss() {
        return switch (budgetLoss.toLowerCase(java.util.Locale.ROOT)) {
            case "kl" -> CalibrationLoss.KL;
            case "nll" -> CalibrationLoss.NLL;
            default -> throw new PithException("--budget-loss " + budgetLoss + " is not a loss; choose kl or nll.");
        };
    }

    /** The budget search's log (starting plans and rounds with their whole-plan KL), for the report. */
    private List<String> searchLog = List.of();

    /** {@link PlanSearch}: the first-order plan and every named K/legacy mixture as starts, judged on the whole plan's calibration KL. */
    private TypePlanner.Plan refine(Model src, Map<String, List<Choice>> choices, TypePlanner.Plan base, TypePlanner.Plan firstOrder,
                                    List<TypePlanner.Override> overrides, boolean imatrixMix, MatrixEncoder encoder, CalibrationLoss loss) {
        double budget = targetBpw != null ? targetBpw * src.parameterCount() / 8 : targetSize - overheadBytes(src);
        Map<String, TypePlanner.Plan> starts = new LinkedHashMap<>();
        starts.put("first-order", firstOrder);
        for (FileType f : FileType.values())
            if (f.defaultType().isQuantized()) starts.put(f.name(), ModelQuantizer.plan(src, f, overrides, imatrixMix));
        List<int[]> cs = CalibrationText.chunks(src, budgetText(), calibCtx, budgetChunks);
        int perRound = PlanSearch.evaluationsPerRound(choices);
        try (PlanKl kl = new PlanKl(src, measureEncoder(encoder), cs, loss, firstScored());
             ProgressBar bar = Progress.bar("budget search", starts.size() + budgetRounds * (perRound + 1) + 1)) {
            PlanSearch.Result r = PlanSearch.refine(src, choices, budget, base, starts, kl::kl, budgetRounds, bar::stepTo);
            searchLog = new ArrayList<>(r.log());
            searchLog.add(String.format("chosen: loss %.6f", r.loss()));
            return r.plan();
        }
    }

    /** Budgets measure with the file's encoder when it is imatrix or GPTQ, else round to nearest (AWQ changes the model first). */
    private static MatrixEncoder measureEncoder(MatrixEncoder encoder) {
        return encoder instanceof ImatrixEncoder || encoder instanceof GptqEncoder ? encoder : new RtnEncoder();
    }

    /**
     * What each tensor's choices cost: loss-aware (KL on calibration text, measured with the file's
     * encoder: imatrix or GPTQ, each candidate quantized as it would be written; round to nearest for AWQ) when
     * --calib is given, else the importance-weighted error.
     */
    private Map<String, List<Choice>> sensitivities(Model src, MatrixEncoder encoder, CalibrationLoss loss) {
        String flag = targetBpw != null ? "--target-bpw" : "--target-size";
        if (sensitivities != null && Files.exists(sensitivities)) return SensitivityFile.read(sensitivities, src);
        Map<String, List<Choice>> measured = measure(src, encoder, flag, loss);
        if (sensitivities != null) SensitivityFile.write(sensitivities, measured);
        return measured;
    }

    private Map<String, List<Choice>> measure(Model src, MatrixEncoder encoder, String flag, CalibrationLoss loss) {
        if (calib != null) {
            List<int[]> cs = CalibrationText.chunks(src, budgetText(), calibCtx, budgetChunks);
            MatrixEncoder measureWith = measureEncoder(encoder);
            int trials = LossSensitivity.unmeasured(src).values().stream().mapToInt(List::size).sum();
            try (ProgressBar bar = Progress.bar("sensitivity", trials)) {
                return LossSensitivity.measure(src, measureWith, cs, loss, firstScored(), bar::stepTo);
            }
        }
        if (encoder instanceof ImatrixEncoder ie) return ActivationSensitivity.measure(src, ie.importance());
        throw new PithException(flag + " measures what each tensor's type costs: give --calib FILE (loss-aware) or --imatrix FILE.");
    }

    /** AWQ: calibration statistics of the original model, then scales searched and folded into {@code f32} in place. */
    private List<Awq.Clip> awqClips = List.of();
    private LinearInputStats awqStats;

    private List<Awq.Group> awq(Model f32, TypePlanner.Plan plan) {
        List<int[]> cs = CalibrationText.chunks(f32, calib, calibCtx, chunks);
        LinearInputStats stats = new LinearInputStats(Awq.observedWeights(f32.config()), true);
        awqStats = stats;
        try (ProgressBar bar = Progress.bar("calibrate", cs.size())) {
            CalibrationText.run(f32, cs, stats, bar::stepTo);
        }
        List<Awq.Clip> clips = new ArrayList<>();
        List<Awq.Group> groups = Awq.apply(f32, plan.types(), stats, new ScaleSearch(awqGrid), awqClip ? new ClipSearch(20, 0.5) : null, clips);
        awqClips = clips;
        return groups;
    }

    /** What the output file holds besides tensor data: the input's metadata, tokenizer and alignment, and slack for padding. */
    private long overheadBytes(Model src) {
        long slack = 64L * src.tensors().size() + 4096;
        try {
            if (Files.isRegularFile(common.model)) return Math.max(0, Files.size(common.model) - src.byteSize()) + slack;
        } catch (java.io.IOException e) {
            throw new PithException(common.model + ": cannot read its size (" + e.getMessage() + ").");
        }
        return slack;
    }

    /** --target-size is a promise about the file: one that came out larger is removed, not left behind. */
    private void checkSize() {
        if (targetSize == null) return;
        try {
            long bytes = Files.size(out);
            if (bytes > targetSize) {
                Files.deleteIfExists(out);
                throw new PithException(out + " came out at " + bytes + " bytes, over --target-size " + targetSize + "; it was removed (give a larger size).");
            }
        } catch (java.io.IOException e) {
            throw new PithException(out + ": cannot read its size (" + e.getMessage() + ").");
        }
    }

    private MatrixEncoder encoder(String m, Model src) {
        return switch (m) {
            case "rtn" -> new RtnEncoder();
            case "imatrix" -> {
                if (imatrix == null) throw new PithException("--method imatrix needs --imatrix FILE (make one with `pith imatrix`).");
                Imatrix im = ImatrixFile.read(imatrix);
                im.checkFits(src, imatrix);
                yield new ImatrixEncoder(im.means(), imatrix);
            }
            default -> throw new PithException("Unknown quantization method '" + m + "'; choose rtn, imatrix, gptq or awq.");
        };
    }

    /**
     * GPTQ's encoder: calibration block by block (memory: one block's Hessians), each block's inputs
     * coming from the blocks before it already quantized, as in the GPTQ paper; --gptq-all-at-once
     * collects every Hessian in one pass of the original model instead (the earlier behaviour, whose
     * memory grows with the model: 11 GB of Hessians for llama-3.2-1b).
     */
    private MatrixEncoder gptq(Model src, TypePlanner.Plan plan) {
        if (gptqAllAtOnce) return gptqAllAtOnce(src);
        List<int[]> cs = CalibrationText.chunks(src, calib, calibCtx, chunks);
        return new SequentialGptqEncoder(new SequentialGptq(src, cs, plan.types(), gptqSettings(), true, gptqWithinBlock, blockLog()), gptqFallback(src, false));
    }

    /**
     * With {@code -Dpith.gptq.log=true} (PITH_JAVA_OPTS), one stderr line per finished block with the
     * seconds since the start and since the block before: long runs (an hour for llama-3.2-1b) can
     * be followed and timed from their log.
     */
    private static java.util.function.IntConsumer blockLog() {
        if (!Boolean.getBoolean("pith.gptq.log")) return b -> { };
        long start = System.nanoTime();
        long[] last = {start};
        return b -> {
            long now = System.nanoTime();
            System.err.printf("%ngptq: block %d done, %.1f s since start, %.1f s for this block%n", b, (now - start) / 1e9, (now - last[0]) / 1e9);
            last[0] = now;
        };
    }

    /** GPTQ with every Hessian collected in one pass of the original model. */
    private GptqEncoder gptqAllAtOnce(Model src) {
        List<int[]> cs = CalibrationText.chunks(src, calib, calibCtx, chunks);
        HessianCollector hc = new HessianCollector();
        try (ProgressBar bar = Progress.bar("calibrate", cs.size())) {
            CalibrationText.run(src, cs, hc, bar::stepTo);
        }
        Map<String, Hessian> hs = hc.takeHessians();
        return new GptqEncoder(hs, gptqSettings(), gptqFallback(src, hs.containsKey("token_embd.weight")));
    }

    private Gptq gptqSettings() {
        return new Gptq(damp, actOrder, true, gptqRefits);
    }

    /**
     * What GPTQ has no Hessian for: an untied embedding (it multiplies nothing) is rounded with
     * importance from the norm weights (--embed-importance), anything else to nearest.
     */
    private MatrixEncoder gptqFallback(Model src, boolean embeddingHasHessian) {
        float[] emb = embedImportance && !embeddingHasHessian && src.tensors().containsKey("token_embd.weight") ? EmbeddingImportance.of(src) : null;
        return emb == null ? new RtnEncoder() : new ImatrixEncoder(Map.of("token_embd.weight", emb), calib);
    }

    static List<TypePlanner.Override> parseOverrides(List<String> specs) {
        List<TypePlanner.Override> out = new ArrayList<>();
        for (String s : specs) {
            int eq = s.lastIndexOf('=');
            if (eq <= 0) throw new PithException("--tensor-type '" + s + "' is not PATTERN=TYPE.");
            DType t;
            try {
                t = DType.parse(s.substring(eq + 1));
            } catch (RuntimeException e) {
                throw new PithException("--tensor-type '" + s + "' names an unknown tensor type '" + s.substring(eq + 1) + "'.");
            }
            if (!dev.pith.core.quant.RowEncoder.supports(t))
                throw new PithException("--tensor-type '" + s + "': Pith cannot write tensors of type " + t + ".");
            try {
                out.add(new TypePlanner.Override(Pattern.compile(s.substring(0, eq)), t));
            } catch (PatternSyntaxException e) {
                throw new PithException("--tensor-type '" + s + "' has an invalid regular expression: " + e.getDescription() + ".");
            }
        }
        return out;
    }

    private void report(Model src, ModelQuantizer.Written q, FileType ftype, String m, TypePlanner.Plan plan, List<Awq.Group> awq, long t0) {
        long bytes;
        try {
            bytes = Files.size(out);
        } catch (java.io.IOException e) {
            bytes = -1;
        }
        long params = src.parameterCount();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("in", common.model.toString());
        o.put("out", out.toString());
        o.put("type", ftype.name());
        o.put("method", m);
        o.put("bytes", bytes);
        o.put("tensor_bytes", q.tensorBytes());
        o.put("bits_per_weight", 8.0 * q.tensorBytes() / params);
        o.put("tensor_types", q.typeCounts());
        o.put("warnings", plan.warnings());
        if (targetBpw != null || targetSize != null) {
            o.put("sensitivity", calib != null ? budgetLoss().name().toLowerCase(java.util.Locale.ROOT) : "imatrix");
            if (budgetCalib != null) o.put("budget_calib", budgetCalib.toString());
            if (calib != null) o.put("budget_first_position", firstScored());
            o.put("types", plan.types());
            if (!searchLog.isEmpty()) o.put("budget_search", searchLog);
        }
        if (!awq.isEmpty()) {
            List<Map<String, Object>> groups = new ArrayList<>();
            for (Awq.Group g : awq) groups.add(Map.of("input_of", g.name(), "alpha", g.alpha(), "error", g.error(), "rtn_error", g.rtnError()));
            o.put("awq", groups);
        }
        if (!awqClips.isEmpty()) {
            double e = 0, p = 0;
            for (Awq.Clip c : awqClips) {
                e += c.error();
                p += c.unclippedError();
            }
            o.put("awq_clip_error_ratio", p > 0 ? e / p : 1.0);
        }
        o.put("seconds", (System.nanoTime() - t0) / 1e9);
        if (common.json) Json.print(spec.commandLine().getOut(), o);
        else spec.commandLine().getOut().printf("wrote %s (%s, %s, %,d bytes, %.2f bits per weight)%n", out, ftype, m, bytes, (Double) o.get("bits_per_weight"));
    }
}
