package dev.pith.compress.quant;

import dev.pith.compress.prune.F32Model;
import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.model.Model;
import dev.pith.model.runtime.RuntimeOptions;
import dev.pith.model.runtime.Transformer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Loss-aware sensitivity: a tensor's cost for a type is how far the model's next-token
 * distributions move on calibration text when that tensor ALONE is quantized to that type (with
 * the encoder the file will be written with) and every other tensor stays at full precision —
 * the mean over calibration positions of KL(original ‖ perturbed). Unlike a per-matrix output
 * error this sees how much an error in one place reaches the loss (an early attn_v error is
 * amplified by every later block, the tied embedding is both the input table and the output
 * head). Summing the per-tensor costs assumes the perturbations add, the usual first-order
 * assumption of mixed-precision search; the budgeted file is then checked by its perplexity.
 *
 * <p>Every quantizable 2-D weight is choosable, the token embedding included.
 */
public final class LossSensitivity {
    /** The candidate types: every K type and Q8_0, after llama.cpp's fallback for the row width. */
    static final List<DType> LADDER = List.of(DType.Q2_K, DType.Q3_K, DType.Q4_K, DType.Q5_K, DType.Q6_K, DType.Q8_0);
    /** Reference log-probabilities kept in memory (floats): beyond this, fewer chunks are needed. */
    static final long MAX_REFERENCE_FLOATS = 64L << 20;

    private LossSensitivity() {}

    /** The distinct types {@code ladder} gives a row of {@code cols} values after fallback, smallest first, F16 excluded. */
    static List<DType> candidates(List<DType> ladder, long cols) {
        List<DType> out = new ArrayList<>();
        for (DType c : ladder) {
            DType d = TypePlanner.fallbackType(c, cols);
            if (d.isQuantized() && !out.contains(d)) out.add(d);
        }
        out.sort(java.util.Comparator.comparingLong(d -> d.bytesFor(cols)));
        return out;
    }

    /** The tensors and types {@link #measure} would try, every cost 0: enough to check a budget's floor before minutes of measuring. */
    public static Map<String, List<Choice>> unmeasured(Model m) {
        Map<String, List<Choice>> out = new LinkedHashMap<>();
        for (Tensor t : m.tensors().values()) {
            if (!TypePlanner.allowsQuantization(new TypePlanner.Input(t.name(), t.shape(), t.type()))) continue;
            List<Choice> c = new ArrayList<>();
            for (DType d : candidates(LADDER, t.cols())) c.add(new Choice(d, d.bytesFor(t.cols()) * t.rows(), 0));
            if (!c.isEmpty()) out.put(t.name(), c);
        }
        return out;
    }

    /**
     * The choices of every quantizable tensor of {@code m}, measured on {@code chunks} (token
     * sequences of one length); {@code progress} hears the number of (tensor, type) trials done.
     */
    public static Map<String, List<Choice>> measure(Model m, MatrixEncoder encoder, List<int[]> chunks, IntConsumer progress) {
        return measure(m, encoder, chunks, CalibrationLoss.KL, 0, progress);
    }

    /**
     * {@link #measure(Model, MatrixEncoder, List, IntConsumer)} with each cost measured by {@code loss}
     * instead of KL, over the positions of each chunk from {@code from} on.
     */
    public static Map<String, List<Choice>> measure(Model m, MatrixEncoder encoder, List<int[]> chunks, CalibrationLoss loss, int from,
                                                    IntConsumer progress) {
        int vocab = m.config().vocabSize();
        try (Model f = F32Model.copy(m)) {
            Transformer tf = transformer(m, f, chunks);
            float[][] ref = references(tf, chunks, vocab);
            Map<String, List<Choice>> out = new LinkedHashMap<>();
            int trials = 0;
            for (Tensor t : f.tensors().values()) {
                if (!TypePlanner.allowsQuantization(new TypePlanner.Input(t.name(), t.shape(), t.type()))) continue;
                List<DType> types = candidates(LADDER, t.cols());
                if (types.isEmpty()) continue; // a row no block fits stays F16, as llama.cpp's fallback leaves it
                float[] original = F32Model.read(t);
                List<Choice> c = new ArrayList<>();
                try (Arena arena = Arena.ofShared()) {
                    for (DType d : types) {
                        long bytes = d.bytesFor(t.cols()) * t.rows();
                        MemorySegment q = arena.allocate(bytes, 64);
                        encoder.encode(m.tensor(t.name()), d, q);
                        F32Model.write(t, Dequantizer.dequantize(new Tensor(t.name(), d, t.shape(), q)));
                        c.add(new Choice(d, bytes, meanLoss(loss, from, tf, chunks, ref, vocab)));
                        progress.accept(++trials);
                    }
                } finally {
                    F32Model.write(t, original);
                }
                out.put(t.name(), c);
            }
            return out;
        }
    }

    /** A runtime over the F32 copy {@code f} of {@code m}, refused when the reference probabilities of {@code chunks} would not fit in memory. */
    static Transformer transformer(Model m, Model f, List<int[]> chunks) {
        int ctx = chunks.getFirst().length, vocab = m.config().vocabSize();
        if ((long) chunks.size() * ctx * vocab > MAX_REFERENCE_FLOATS)
            throw new PithException(String.format("measuring sensitivities on %d chunks of %d tokens needs %,d MB of reference probabilities for %s's %d-token vocabulary; give fewer --budget-chunks.",
                    chunks.size(), ctx, (long) chunks.size() * ctx * vocab * 4 >> 20, m.source(), vocab));
        return new Transformer(f, RuntimeOptions.defaults().withContextLength(ctx));
    }

    /** The model's log-probabilities on every chunk, as it is now. */
    static float[][] references(Transformer tf, List<int[]> chunks, int vocab) {
        float[][] ref = new float[chunks.size()][];
        for (int i = 0; i < chunks.size(); i++) {
            tf.reset();
            ref[i] = logSoftmax(tf.forwardAll(chunks.get(i)), vocab);
        }
        return ref;
    }

    /** The mean over the positions from {@code from} on of every chunk of {@code loss} (the model as it is now against {@code ref}). */
    static double meanLoss(CalibrationLoss loss, int from, Transformer tf, List<int[]> chunks, float[][] ref, int vocab) {
        double sum = 0;
        long[] n = {0};
        for (int i = 0; i < chunks.size(); i++) {
            tf.reset();
            float[] q = logSoftmax(tf.forwardAll(chunks.get(i)), vocab);
            sum += loss.sum(ref[i], q, chunks.get(i), vocab, from, n);
        }
        return sum / n[0];
    }

    /** Each row of {@code vocab} logits turned into log-probabilities, in place. */
    static float[] logSoftmax(float[] logits, int vocab) {
        for (int pos = 0; pos < logits.length; pos += vocab) {
            double max = Double.NEGATIVE_INFINITY;
            for (int v = pos; v < pos + vocab; v++) max = Math.max(max, logits[v]);
            double s = 0;
            for (int v = pos; v < pos + vocab; v++) s += Math.exp(logits[v] - max);
            double lse = max + Math.log(s);
            for (int v = pos; v < pos + vocab; v++) logits[v] = (float) (logits[v] - lse);
        }
        return logits;
    }
}
