package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.core.quant.RowEncoder;
import dev.pith.model.Model;
import dev.pith.model.gguf.GgufValue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Quantizes a whole model to a llama.cpp file type: {@link TypePlanner} picks each tensor's type,
 * a {@link MatrixEncoder} (round to nearest, importance weighted or GPTQ) writes the weight
 * matrices, every other tensor keeps its type. The metadata gets llama.cpp's general.file_type
 * and general.quantization_version, so the file reads like one llama-quantize wrote.
 * The result lives off-heap until it is closed.
 */
public final class ModelQuantizer {
    /** ggml's GGML_QNT_VERSION, which llama-quantize writes as general.quantization_version. */
    static final int QUANTIZATION_VERSION = 2;

    private ModelQuantizer() {}

    /** The plan for a model: every tensor's type and the fallback warnings. */
    public static TypePlanner.Plan plan(Model m, FileType ftype, List<TypePlanner.Override> overrides, boolean imatrix) {
        List<TypePlanner.Input> in = new ArrayList<>();
        for (Tensor t : m.tensors().values()) in.add(new TypePlanner.Input(t.name(), t.shape(), t.type()));
        int gqa = m.config().kvHeads() > 0 ? m.config().heads() / m.config().kvHeads() : 1;
        return TypePlanner.plan(in, ftype, m.config().layers(), gqa, overrides, imatrix);
    }

    /**
     * Applies a plan. {@code encoder} writes every tensor that changes to a quantized type;
     * F32/F16/BF16 targets are plain conversions. {@code progress} hears each finished tensor's name.
     */
    public static Model apply(Model m, FileType ftype, TypePlanner.Plan plan, MatrixEncoder encoder, Consumer<String> progress) {
        Arena arena = Arena.ofShared();
        try {
            Map<String, Tensor> out = new LinkedHashMap<>();
            RtnEncoder plain = new RtnEncoder();
            for (Tensor t : m.tensors().values()) {
                DType target = plan.types().get(t.name());
                if (target == t.type()) {
                    out.put(t.name(), t);
                } else {
                    if (!Dequantizer.supports(t.type()))
                        throw new PithException(m.source() + ": tensor " + t.name() + " has type " + t.type() + ", which Pith cannot read.");
                    if (!RowEncoder.supports(target))
                        throw new PithException("Pith cannot write tensors of type " + target + " (tensor " + t.name() + ").");
                    MemorySegment data = arena.allocate(target.bytesFor(t.cols()) * t.rows(), 64);
                    (target.isQuantized() ? encoder : plain).encode(t, target, data);
                    out.put(t.name(), new Tensor(t.name(), target, t.shape(), data));
                }
                progress.accept(t.name());
            }
            Map<String, GgufValue> md = new LinkedHashMap<>(m.metadata());
            md.put("general.quantization_version", GgufValue.u32(QUANTIZATION_VERSION));
            md.put("general.file_type", GgufValue.u32(ftype.id()));
            return new Model(m.config(), out, m.tokenizer(), md, m.source(), List.of(arena::close));
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }
}
