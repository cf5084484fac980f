package dev.pith.compress.prune;

import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.core.kernel.MatMul;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.gguf.GgufValue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A writable F32 copy of a model, the form every pruner works on: dequantized once so scores and
 * updates are exact, and held off-heap so the runtime's {@code Transformer} built on it sees each
 * in-place change at once (sequential pruning re-runs calibration through the already pruned blocks).
 */
public final class F32Model {
    private F32Model() {}

    /** Every tensor of {@code m} as F32 in one arena that closes with the returned model. */
    public static Model copy(Model m) {
        Arena arena = Arena.ofShared();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Tensor t : m.tensors().values()) {
            int cols = t.cols(), rows = t.rows();
            float[] row = new float[cols];
            MemorySegment seg = arena.allocate(4L * cols * rows, 64);
            for (int r = 0; r < rows; r++) {
                try {
                    MatMul.getRow(t, r, row, 0);
                } catch (RuntimeException e) {
                    throw new PithException(m.source() + ": tensor " + t.name() + " of type " + t.type() + " cannot be read as numbers (" + e.getMessage() + ").");
                }
                MemorySegment.copy(row, 0, seg, ValueLayout.JAVA_FLOAT, 4L * cols * r, cols);
            }
            out.put(t.name(), new Tensor(t.name(), DType.F32, t.shape(), seg));
        }
        return new Model(m.config(), out, m.tokenizer(), withConfig(m.metadata(), m.config()), m.source(), List.of(arena::close));
    }

    /** A new F32 tensor (shape in ggml order: {cols, rows}) holding {@code data}, row-major. */
    public static Tensor tensor(Arena arena, String name, int cols, int rows, float[] data) {
        MemorySegment seg = arena.allocate(4L * cols * rows, 64);
        MemorySegment.copy(data, 0, seg, ValueLayout.JAVA_FLOAT, 0, Math.multiplyExact(cols, rows));
        return new Tensor(name, DType.F32, new long[]{cols, rows}, seg);
    }

    /** The tensor's values, row-major (rows × cols). */
    public static float[] read(Tensor t) {
        float[] a = new float[Math.toIntExact(t.elementCount())];
        MemorySegment.copy(t.data(), ValueLayout.JAVA_FLOAT, 0, a, 0, a.length);
        return a;
    }

    /** Overwrites an F32 tensor's values. */
    public static void write(Tensor t, float[] a) {
        if (t.type() != DType.F32 || a.length != t.elementCount()) throw new IllegalArgumentException("not an F32 tensor of " + a.length + " values: " + t);
        MemorySegment.copy(a, 0, t.data(), ValueLayout.JAVA_FLOAT, 0, a.length);
    }

    /**
     * The source metadata with the architecture keys rewritten from {@code c} and the file type set
     * to F32 (0), so a reshaped model's GGUF describes its new shape. Empty metadata stays empty:
     * the writer then builds it from the configuration.
     */
    public static Map<String, GgufValue> withConfig(Map<String, GgufValue> md, ModelConfig c) {
        if (md.isEmpty()) return md;
        Map<String, GgufValue> out = new LinkedHashMap<>(md);
        String a = c.architecture();
        out.put(a + ".block_count", GgufValue.u32(c.layers()));
        out.put(a + ".feed_forward_length", dev.pith.model.gguf.GgufModelConfig.feedForwardLength(c));
        if (out.containsKey("general.file_type")) out.put("general.file_type", GgufValue.u32(0));
        return out;
    }
}
