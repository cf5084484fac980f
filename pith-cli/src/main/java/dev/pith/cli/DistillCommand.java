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
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.train.distill.DistillBatchLoss;
import dev.pith.train.distill.HiddenMatch;
import dev.pith.train.distill.LayerMap;
import dev.pith.train.distill.Divergence;
import dev.pith.train.distill.OnPolicy;
import dev.pith.train.distill.SharedVocabulary;
import dev.pith.train.distill.Teacher;
import dev.pith.train.distill.TeacherCache;
import dev.pith.train.distill.TrainEngineTeacher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

@Command(name = "distill", sortOptions = false, subcommands = {DistillCacheCommand.class, DistillGenerateCommand.class},
        description = {"Train a student model to match a teacher's next-token distributions (knowledge distillation).",
                "Loss: (1 − alpha)·cross-entropy on the data + alpha·τ²·D(teacher‖student) at temperature τ, D one of",
                "kl (forward KL, Hinton), rkl (reverse KL, MiniLLM), jsd (generalised Jensen-Shannon, GKD, --beta), skl (skew KL, DistiLLM, --skew).",
                "The teacher is any model Pith loads (quantized too), run live, or a cache from 'pith distill cache' (--teacher-cache).",
                "Takes pith train's options; writes OUT/model.gguf, OUT/hf/, OUT/checkpoint.bin (resumable with --resume) and OUT/metrics.jsonl."})
final class DistillCommand implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--teacher", paramLabel = "PATH", description = "The teacher model (GGUF, HF folder or llama2.c); needed unless --teacher-cache.") String teacher;
    @Option(names = "--teacher-cache", paramLabel = "DIR", description = "Teacher logits cached by pith distill cache, instead of running the teacher.") String teacherCache;
    @Option(names = "--student", paramLabel = "PATH", description = "The student to start from (e.g. made by pith init --tokenizer-from TEACHER).") String student;
    @Option(names = "--student-config", paramLabel = "FILE", description = "Or a fresh student of this shape (pith train's --model-config JSON) with the teacher's vocabulary.") String studentConfig;
    @Option(names = "--loss", paramLabel = "KIND", description = "kl, rkl, jsd or skl (default kl).") String loss;
    @Option(names = "--alpha", paramLabel = "A", description = "Weight of the distillation term, 0 = data only, 1 = teacher only (default 0.5).") Double alpha;
    @Option(names = "--temperature", paramLabel = "T", description = "Softmax temperature of both distributions (default 1).") Double temperature;
    @Option(names = "--beta", paramLabel = "B", description = "The JSD's mixture weight β in (0, 1) (default 0.5).") Double beta;
    @Option(names = "--skew", paramLabel = "S", description = "Skew KL's α in [0, 1): KL(p ‖ S·p + (1−S)·q) (default 0.1).") Double skew;
    @Option(names = "--on-policy", paramLabel = "λ", description = "Share of batches the student writes itself (second half of each window sampled), scored by the teacher (GKD; default 0).") Double onPolicy;
    @Option(names = "--sample-temperature", paramLabel = "T", description = "Temperature of the student's on-policy samples (default 1).") Double sampleTemperature;
    @Option(names = "--hidden-loss", paramLabel = "KIND", description = "Also match hidden states: mse (through a learned projection, on RMS-normalised states); default none.") String hiddenLoss;
    @Option(names = "--layer-map", paramLabel = "S:T,…", description = "Student block → teacher block pairs (0-based) for --hidden-loss (default: the student's blocks spread evenly over the teacher's, last to last).") String layerMap;
    @Option(names = "--hidden-weight", paramLabel = "W", description = "Weight of the hidden-state term, added to the logit loss (default 1).") Double hiddenWeight;
    @Mixin TrainFlags flags;

    @Override
    public void run() {
        flags.start(Set.of("teacher", "teacher_cache", "student", "student_config", "loss", "alpha", "temperature", "beta", "skew", "on_policy", "sample_temperature",
                "hidden_loss", "layer_map", "hidden_weight"));
        Path ckpt = flags.checkRunFolder();
        String teacherArg = flags.string(teacher, "teacher", null), cacheArg = flags.string(teacherCache, "teacher_cache", null);
        if (teacherArg == null && cacheArg == null) throw new PithException("give the teacher: --teacher MODEL, or --teacher-cache DIR from pith distill cache.");
        Divergence div = Divergence.parse(flags.string(loss, "loss", "kl"), flags.number(beta, "beta", 0.5), flags.number(skew, "skew", 0.1));
        double alphaV = flags.number(alpha, "alpha", 0.5), tau = flags.number(temperature, "temperature", 1.0);
        Path dataPath = flags.dataPath();
        String hiddenKind = flags.string(hiddenLoss, "hidden_loss", "none");
        if (!hiddenKind.equals("none") && !hiddenKind.equals("mse"))
            throw new PithException("--hidden-loss must be mse or none, not '" + hiddenKind + "'.");
        if (hiddenKind.equals("mse") && cacheArg != null)
            throw new PithException("--hidden-loss matches the teacher's hidden states, which a --teacher-cache does not hold; give a live --teacher.");

        try (Model teacherModel = teacherArg == null ? null : Models.load(flags.resolve(teacherArg));
             Model studentModel = student(flags.string(student, "student", null))) {
            String studentName = studentModel != null ? studentModel.source().toString() : "of " + studentConfigPath();
            Tokenizer tok = tokenizer(dataPath, teacherModel, studentModel);
            LlamaTrainModel m = studentModel != null && !flags.resuming() ? ModelBridge.fromModel(studentModel) : fresh(ckpt, tok);
            ModelConfig c = m.config();
            if (teacherModel != null)
                SharedVocabulary.require(teacherModel.source().toString(), teacherModel.config().vocabSize(), teacherModel.tokenizer(),
                        studentName, c.vocabSize(), studentModel != null ? studentModel.tokenizer() : null);
            TrainOptions o = flags.options(c);
            try (TrainFlags.Data data = TrainFlags.load(dataPath, tok, "of the teacher");
                 Teacher t = teacher(cacheArg, teacherModel, data, o, c)) {
                if (t.vocabSize() != c.vocabSize())
                    throw new PithException("the teacher cache " + cacheArg + " has a vocabulary of " + t.vocabSize() + " tokens and the student "
                            + studentName + " one of " + c.vocabSize() + "; logit distillation needs one shared vocabulary.");
                DistillBatchLoss batchLoss = new DistillBatchLoss(t, div, alphaV, tau);
                double lambda = flags.number(onPolicy, "on_policy", 0);
                if (lambda > 0) batchLoss.withOnPolicy(new OnPolicy(m, lambda, flags.number(sampleTemperature, "sample_temperature", 1), o.seed()));
                HiddenMatch hidden = hidden(teacherModel, c, o.seed());
                if (hidden != null) {
                    batchLoss.withHidden(hidden);
                    // the projections learn with the student (optimizer, checkpoint) but are not part of it: export skips them
                    for (var p : hidden.projections()) m.addTrainable(p);
                }
                Trainer trainer = new Trainer(m, o, data.train(), data.val(), batchLoss);
                flags.createOutDir();
                TrainRun.Result r = flags.run(trainer, "distill", settings(teacherModel, cacheArg, div, alphaV, tau, lambda, hidden));
                Path[] written = flags.export(m, tok, flags.outDir().resolve("model.gguf"), null);
                report(r, written, m, teacherModel, cacheArg, div, alphaV, tau, hidden);
            }
        }
    }

    /** The hidden-state matching asked for (null for none), its layer map checked against both models. */
    private HiddenMatch hidden(Model teacherModel, ModelConfig student, long seed) {
        if (flags.string(hiddenLoss, "hidden_loss", "none").equals("none")) {
            if (flags.string(layerMap, "layer_map", null) != null || hiddenWeight != null)
                throw new PithException("--layer-map and --hidden-weight apply to hidden-state distillation; add --hidden-loss mse.");
            return null;
        }
        ModelConfig tc = teacherModel.config();
        LayerMap map = LayerMap.parse(flags.string(layerMap, "layer_map", null), student.layers(), tc.layers());
        return new HiddenMatch(map, student.dim(), tc.dim(), flags.number(hiddenWeight, "hidden_weight", 1.0), seed);
    }

    /** What a resumed run must repeat: recorded in every checkpoint, compared on --resume. */
    private static ObjectNode settings(Model teacherModel, String cacheArg, Divergence div, double alphaV, double tau, double lambda, HiddenMatch hidden) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("teacher", teacherModel != null ? teacherModel.source().toAbsolutePath().normalize().toString() : null);
        n.put("teacher_cache", cacheArg != null ? Path.of(cacheArg).toAbsolutePath().normalize().toString() : null);
        n.put("loss", div.toString());
        n.put("alpha", alphaV);
        n.put("temperature", tau);
        n.put("on_policy", lambda);
        n.put("hidden_loss", hidden == null ? "none" : "mse");
        n.put("layer_map", hidden == null ? null : hidden.map().toString());
        n.put("hidden_weight", hidden == null ? 0.0 : hidden.weight());
        return n;
    }

    private Model student(String arg) {
        String cfg = flags.string(studentConfig, "student_config", null);
        if ((arg == null) == (cfg == null) && !flags.resuming())
            throw new PithException("give exactly one of --student MODEL (e.g. from pith init --tokenizer-from TEACHER) and --student-config SHAPE.json.");
        return arg == null ? null : Models.load(flags.resolve(arg));
    }

    private Path studentConfigPath() {
        String cfg = flags.string(studentConfig, "student_config", null);
        return cfg == null ? flags.outDir().resolve(TrainRun.CHECKPOINT) : flags.resolve(cfg);
    }

    /** The run's tokenizer: --tokenizer, else the teacher's, else the student's (data are tokenized with it). */
    private Tokenizer tokenizer(Path dataPath, Model teacherModel, Model studentModel) {
        Path f = flags.tokenizerFile(dataPath);
        if (f != null) return Tokenizers.fromHfJson(f);
        if (teacherModel != null && teacherModel.tokenizer() != null) return teacherModel.tokenizer();
        if (studentModel != null && studentModel.tokenizer() != null) return studentModel.tokenizer();
        throw new PithException("neither the teacher nor the student carries a tokenizer; give --tokenizer tokenizer.json.");
    }

    /** A resumed student (weights from the checkpoint) or a fresh one of --student-config's shape. */
    private LlamaTrainModel fresh(Path ckpt, Tokenizer tok) {
        if (flags.resuming()) return new LlamaTrainModel(Checkpoint.load(ckpt).config());
        Path cfg = studentConfigPath();
        JsonNode shape = TrainFlags.readJson(cfg);
        return TrainFlags.initialized(Presets.fromJson(shape, tok.vocabSize(), cfg.toString()), flags.seedValue());
    }

    private static Teacher teacher(String cacheArg, Model teacherModel, TrainFlags.Data data, TrainOptions o, ModelConfig c) {
        if (cacheArg == null) return TrainEngineTeacher.forModel(teacherModel);
        TeacherCache cache = TeacherCache.open(Path.of(cacheArg));
        cache.checkFits(data.train(), o.seqLen(), c.vocabSize());
        return cache;
    }

    private void report(TrainRun.Result r, Path[] written, LlamaTrainModel m, Model teacherModel, String cacheArg, Divergence div, double alphaV, double tau,
                        HiddenMatch hidden) {
        var w = spec.commandLine().getOut();
        if (flags.json) {
            Map<String, Object> o = flags.reportJson(r, written[0], written[1], m);
            o.put("teacher", teacherModel != null ? teacherModel.source().toString() : null);
            o.put("teacher_cache", cacheArg);
            if (teacherModel != null) o.put("teacher_parameters", parameters(teacherModel));
            o.put("loss", div.toString());
            o.put("alpha", alphaV);
            o.put("temperature", tau);
            o.put("on_policy", flags.number(onPolicy, "on_policy", 0));
            o.put("hidden_loss", hidden == null ? "none" : "mse");
            if (hidden != null) {
                o.put("layer_map", hidden.map().toString());
                o.put("hidden_weight", hidden.weight());
            }
            Json.print(w, o);
        } else {
            w.printf("distilled %,d parameters (%s, alpha %.2f, τ %.2f) for %d steps in %.1f s (%,.0f tokens/s): train loss %.4f, val loss %.4f%n",
                    m.parameterCount(), div, alphaV, tau, r.steps() - r.startStep(), r.seconds(), r.tokensPerSecond(), r.trainLoss(), r.valLoss());
            w.printf("wrote %s and %s%n", written[0], written[1]);
        }
    }

    static long parameters(Model model) {
        long n = 0;
        for (var t : model.tensors().values()) n += t.elementCount();
        return n;
    }
}
