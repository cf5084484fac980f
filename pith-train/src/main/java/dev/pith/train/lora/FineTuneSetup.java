package dev.pith.train.lora;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.LlamaTrainModel.Storage;
import dev.pith.train.ModelBridge;

import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Builds the trainable model of one fine-tuning method from a loaded base:
 * <ul>
 *   <li>full: every parameter trained (the baseline);</li>
 *   <li>freeze PATTERN: parameters whose GGUF name matches the regular expression are frozen;</li>
 *   <li>train-last N: only the last N blocks (and the final norm) are trained;</li>
 *   <li>LoRA: the whole base frozen, adapters on the targeted projections;</li>
 *   <li>QLoRA: LoRA with every matrix of the base — block projections, token embedding, output
 *       head — left in the base's own tensors (quantized blocks, memory-mapped) and read through
 *       {@link QuantizedBase}; only the norm vectors are float copies.</li>
 * </ul>
 * Frozen parameters never get gradient buffers. For QLoRA the base {@link Model} must stay open
 * while the result is used.
 */
public final class FineTuneSetup {
    public enum Method { FULL, FREEZE, TRAIN_LAST, LORA, QLORA }

    /** The trainable model and its adapters: {@code lora} for LoRA, {@code adaLora} for AdaLoRA, neither for the baselines. */
    public record Result(LlamaTrainModel model, Lora lora, AdaLora adaLora) {
        public long trainableParameters() {
            long n = 0;
            for (var p : model.trainableParams()) n += p.size();
            return n;
        }
    }

    private FineTuneSetup() {}

    public static Result build(Model base, Method method, LoraConfig lora, String freeze, int trainLast, long seed) {
        return build(base, method, lora, null, freeze, trainLast, seed);
    }

    /** As above; with {@code adaLora} given, LORA and QLORA put AdaLoRA's SVD-form adapters on the base instead of LoRA's. */
    public static Result build(Model base, Method method, LoraConfig lora, AdaLoraConfig adaLora, String freeze, int trainLast, long seed) {
        int layers = base.config().layers();
        Function<String, Storage> storage = switch (method) {
            case FULL -> n -> Storage.TRAINABLE;
            case FREEZE -> {
                Pattern p = freezePattern(freeze);
                yield n -> p.matcher(n).find() ? Storage.FROZEN : Storage.TRAINABLE;
            }
            case TRAIN_LAST -> {
                if (trainLast < 1 || trainLast > layers)
                    throw new PithException("--train-last must lie between 1 and the model's " + layers + " layers, got " + trainLast + ".");
                yield n -> n.equals("output_norm.weight") || layerOf(n) >= layers - trainLast ? Storage.TRAINABLE : Storage.FROZEN;
            }
            case LORA -> n -> Storage.FROZEN;
            // every matrix (the embedding and an untied head included) stays in the base's blocks; vectors become floats
            case QLORA -> n -> Storage.ELSEWHERE;
        };
        LlamaTrainModel m = ModelBridge.fromModel(base, storage);
        if (method == Method.QLORA) {
            for (String name : m.linearNames()) {
                var lin = m.linear(name);
                if (!lin.weight().inHeap()) lin.setFrozenBase(new QuantizedBase(base.tensor(name)));
            }
            var table = m.embedding().table();
            if (!table.inHeap()) m.embedding().setRows(new QuantizedBase(base.tensor(table.name())));
        }
        if (method == Method.FREEZE && m.trainableParams().size() == m.params().size())
            throw new PithException("--freeze '" + freeze + "' matches no tensor of " + base.source() + " (patterns match GGUF names such as blk.0.attn_q.weight).");
        if (method == Method.FREEZE && m.trainableParams().isEmpty())
            throw new PithException("--freeze '" + freeze + "' freezes every parameter; nothing would be trained.");
        boolean adapters = method == Method.LORA || method == Method.QLORA;
        if (adapters && adaLora != null) return new Result(m, null, AdaLora.attach(m, adaLora, seed));
        return new Result(m, adapters ? Lora.attach(m, lora, seed) : null, null);
    }

    private static Pattern freezePattern(String freeze) {
        if (freeze == null || freeze.isBlank()) throw new PithException("--freeze needs a pattern (a regular expression over GGUF tensor names, e.g. 'blk\\.[0-3]\\.|token_embd').");
        try {
            return Pattern.compile(freeze);
        } catch (PatternSyntaxException e) {
            throw new PithException("--freeze '" + freeze + "' is not a valid regular expression (" + e.getDescription() + ").");
        }
    }

    /** N of blk.N.…, or −1 for tensors outside the blocks. */
    static int layerOf(String name) {
        if (!name.startsWith("blk.")) return -1;
        int dot = name.indexOf('.', 4);
        return Integer.parseInt(name.substring(4, dot));
    }
}
