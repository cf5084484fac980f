package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.core.quant.RowEncoder;
import dev.pith.model.Model;
import dev.pith.model.gguf.GgufStreamWriter;
import dev.pith.model.gguf.GgufValue;
import dev.pith.model.gguf.GgufWriter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
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
            Map<String, Tensor> done = new java.util.HashMap<>();
            for (Tensor t : encoder.order(new ArrayList<>(m.tensors().values()))) {
                DType target = plan.types().get(t.name());
                done.put(t.name(), target == t.type() ? t : encode(m, t, target, encoder, arena));
                progress.accept(t.name());
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String name : m.tensors().keySet()) out.put(name, done.get(name));
            return new Model(m.config(), out, m.tokenizer(), metadata(m, ftype), m.source(), List.of(arena::close));
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Applies a plan straight into the GGUF file {@code out}: the header and every offset are known
     * from the plan, so each tensor is encoded (rows in parallel) and written at its offset while the
     * next is encoded ({@link WriteBehind}); memory holds two tensors' output, not the model's. The file's bytes equal
     * {@code ModelWriters.writeGguf(apply(...))} (a GGUF source's metadata is kept as it is); it
     * appears only when complete.
     * {@code progress} hears each tensor's name once it is written. The next tensor's input is
     * read ahead while one is encoded ({@link InputPrefetch}), so a cold disk read overlaps the work.
     */
    public static Written write(Model m, FileType ftype, TypePlanner.Plan plan, MatrixEncoder encoder, Path out,
                                Consumer<String> progress) {
        List<Tensor> order = new ArrayList<>(m.tensors().values());
        List<GgufWriter.Slot> slots = new ArrayList<>();
        Map<String, Integer> counts = new java.util.TreeMap<>();
        long bytes = 0;
        for (Tensor t : order) {
            GgufWriter.Slot s = new GgufWriter.Slot(t.name(), plan.types().get(t.name()), t.shape());
            slots.add(s);
            counts.merge(s.type().name(), 1, Integer::sum);
            bytes += s.byteSize();
        }
        long largest = 0;
        for (GgufWriter.Slot s : slots) if (s.type() != m.tensor(s.name()).type()) largest = Math.max(largest, s.byteSize());
        try (GgufStreamWriter w = GgufStreamWriter.open(out, metadata(m, ftype), slots);
             InputPrefetch prefetch = new InputPrefetch();
             WriteBehind writes = new WriteBehind(w, largest)) {
            List<Tensor> work = encoder.order(order);
            for (int i = 0; i < work.size(); i++) {
                Tensor t = work.get(i);
                if (i + 1 < work.size()) prefetch.next(work.get(i + 1).data());
                DType target = plan.types().get(t.name());
                if (target == t.type()) {
                    writes.write(t.name(), t.data());
                } else {
                    MemorySegment dst = writes.buffer(target.bytesFor(t.cols()) * t.rows());
                    encode(m, t, target, encoder, dst);
                    writes.write(t.name(), dst);
                }
                progress.accept(t.name());
            }
            writes.await();
            w.commit();
        }
        return new Written(bytes, counts);
    }

    /** What {@link #write} wrote: the tensor data's bytes (padding excluded) and how many tensors of each type. */
    public record Written(long tensorBytes, Map<String, Integer> typeCounts) {}

    /** One tensor converted to {@code target} in memory from {@code arena}. */
    private static Tensor encode(Model m, Tensor t, DType target, MatrixEncoder encoder, Arena arena) {
        MemorySegment data = arena.allocate(target.bytesFor(t.cols()) * t.rows(), 64);
        encode(m, t, target, encoder, data);
        return new Tensor(t.name(), target, t.shape(), data);
    }

    /** One tensor converted to {@code target} into {@code dst}: a block quantizer through {@code encoder}, else a plain conversion. */
    private static void encode(Model m, Tensor t, DType target, MatrixEncoder encoder, MemorySegment dst) {
        if (!Dequantizer.supports(t.type()))
            throw new PithException(m.source() + ": tensor " + t.name() + " has type " + t.type() + ", which Pith cannot read.");
        if (!RowEncoder.supports(target))
            throw new PithException("Pith cannot write tensors of type " + target + " (tensor " + t.name() + ").");
        (target.isQuantized() ? encoder : PLAIN).encode(t, target, dst);
    }

    private static final RtnEncoder PLAIN = new RtnEncoder();

    /** The source's metadata with llama.cpp's file type and quantization version. */
    private static Map<String, GgufValue> metadata(Model m, FileType ftype) {
        Map<String, GgufValue> md = new LinkedHashMap<>(m.metadata());
        md.put("general.quantization_version", GgufValue.u32(QUANTIZATION_VERSION));
        md.put("general.file_type", GgufValue.u32(ftype.id()));
        return md;
    }
}
