package dev.pith.cli;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.core.quant.RowEncoder;
import dev.pith.model.Model;
import dev.pith.model.gguf.GgufValue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts a model's weight matrices to one type, as {@code llama-quantize --pure} does with plain
 * round-to-nearest: every 2-D weight becomes the type (F16 when its rows are not whole blocks),
 * 1-D tensors (norms, biases, rope factors) become F32. The result lives off-heap until closed.
 */
final class ModelRetyper {
    private ModelRetyper() {}

    /** llama.cpp's general.file_type (enum llama_ftype) for a model whose weights are all {@code type}. */
    static int fileType(DType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("no llama.cpp file type for " + type);
        };
    }

    static Model retype(Model m, DType type) {
        if (!RowEncoder.supports(type))
            throw new PithException("Pith cannot convert weights to " + type + " yet; choose F32, F16, BF16, Q8_0 or Q4_0.");
        Arena arena = Arena.ofShared();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Tensor t : m.tensors().values()) {
            boolean matrix = t.rank() == 2 && t.name().endsWith(".weight");
            DType target = matrix ? RowEncoder.typeForRow(type, t.cols()) : DType.F32;
            if (t.type() == target) {
                out.put(t.name(), t);
                continue;
            }
            if (!Dequantizer.supports(t.type()))
                throw new PithException(m.source() + ": tensor " + t.name() + " has type " + t.type() + ", which Pith cannot read.");
            out.put(t.name(), convert(arena, t, target));
        }
        Map<String, GgufValue> md = new LinkedHashMap<>(m.metadata());
        md.put("general.file_type", GgufValue.u32(fileType(type)));
        return new Model(m.config(), out, m.tokenizer(), md, m.source(), List.of(arena::close));
    }

    private static Tensor convert(Arena arena, Tensor t, DType target) {
        int cols = t.cols(), rows = t.rows();
        long rowBytes = target.bytesFor(cols);
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        Parallel.forRange(rows, 16, (from, to) -> {
            float[] row = new float[cols];
            for (int r = from; r < to; r++) {
                Dequantizer.getRow(t, r, row, 0);
                RowEncoder.encode(target, row, 0, cols, data, r * rowBytes);
            }
        });
        return new Tensor(t.name(), target, t.shape(), data);
    }
}
