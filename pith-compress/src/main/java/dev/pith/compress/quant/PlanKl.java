package dev.pith.compress.quant;

import dev.pith.compress.prune.F32Model;
import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.model.Model;
import dev.pith.model.runtime.Transformer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The calibration KL of a whole plan: every tensor the plan names quantized at once to its type
 * (with the encoder the file will be written with), the others at full precision, and the mean
 * KL(original ‖ that model) over the calibration positions — the measure of
 * {@link LossSensitivity} applied to a plan instead of one tensor. Each (tensor, type) encoding is
 * made once and kept (about 4 bytes per weight over the whole ladder: meant for the models a
 * budget search can afford to evaluate hundreds of times), and only the tensors whose type
 * changed since the previous plan are rewritten. With {@link CalibrationLoss#NLL} the figure is the
 * true-token NLL increase instead of the KL (the name stays: KL is the default).
 */
public final class PlanKl implements AutoCloseable {
    private final Model src;
    private final CalibrationLoss loss;
    private final int from;
    private final Model f;
    private final MatrixEncoder encoder;
    private final List<int[]> chunks;
    private final Transformer tf;
    private final float[][] ref;
    private final int vocab;
    private final Arena arena = Arena.ofShared();
    private final Map<String, Map<DType, MemorySegment>> encoded = new HashMap<>();
    private final Map<String, DType> applied = new HashMap<>();
    /** The full-precision values of every tensor ever overwritten, to put back when a plan leaves it out. */
    private final Map<String, float[]> originals = new HashMap<>();

    public PlanKl(Model src, MatrixEncoder encoder, List<int[]> chunks) {
        this(src, encoder, chunks, CalibrationLoss.KL, 0);
    }

    /** As {@link #PlanKl(Model, MatrixEncoder, List)}, judging plans by {@code loss} instead of KL, on each chunk's positions from {@code from} on. */
    public PlanKl(Model src, MatrixEncoder encoder, List<int[]> chunks, CalibrationLoss loss, int from) {
        this.loss = loss;
        this.from = from;
        this.src = src;
        this.encoder = encoder;
        this.chunks = chunks;
        this.vocab = src.config().vocabSize();
        this.f = F32Model.copy(src);
        this.tf = LossSensitivity.transformer(src, f, chunks);
        this.ref = LossSensitivity.references(tf, chunks, vocab);
    }

    /** The mean KL with the named tensors at the given types and every other tensor as in the source. */
    public double kl(Map<String, DType> types) {
        Set<String> touched = new HashSet<>(applied.keySet());
        touched.addAll(types.keySet());
        for (String name : touched) {
            DType want = types.get(name);
            if (want == applied.get(name)) continue;
            Tensor t = f.tensor(name);
            if (want == null) {
                F32Model.write(t, originals.get(name));
                applied.remove(name);
            } else {
                MemorySegment q = encoded.computeIfAbsent(name, n -> new HashMap<>()).computeIfAbsent(want, d -> {
                    MemorySegment s = arena.allocate(d.bytesFor(t.cols()) * t.rows(), 64);
                    encoder.encode(src.tensor(name), d, s);
                    return s;
                });
                originals.computeIfAbsent(name, n -> F32Model.read(t));
                F32Model.write(t, Dequantizer.dequantize(new Tensor(name, want, t.shape(), q)));
                applied.put(name, want);
            }
        }
        return LossSensitivity.meanLoss(loss, from, tf, chunks, ref, vocab);
    }

    @Override
    public void close() {
        f.close();
        arena.close();
    }
}
