package dev.pith.model.runtime;

import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A LoRA adapter in the form the runtime applies unmerged: per adapted weight W (by its GGUF name)
 * the factors A (r × in) and B (out × r) and the scale s, so the product becomes
 * y = W·x + s·B·(A·x). The base model's tensors are never copied or changed; several adapters can
 * be loaded into one {@link Transformer} and chosen per request. How the file was written (PEFT,
 * GGUF, AdaLoRA folded) is the reader's business (pith-train's LoraAdapter).
 */
public final class RuntimeAdapter {
    /** One adapted weight: A as an F32 tensor of r rows × in, B as out rows × r. */
    public record Delta(String weight, Tensor a, Tensor b, float scale) {
        public int rank() { return a.rows(); }
    }

    private final String name;
    private final Map<String, Delta> deltas;

    private RuntimeAdapter(String name, Map<String, Delta> deltas) {
        this.name = name;
        this.deltas = deltas;
    }

    /** One entry per adapted weight: its name, r, A (r × in, row-major), B (out × r), scale. */
    public record Factor(String weight, int rank, int in, int out, float[] a, float[] b, float scale) {}

    /** Builds an adapter for {@code model}, checking that every weight exists there with the factors' shape. */
    public static RuntimeAdapter of(String name, List<Factor> factors, Model model, String source) {
        Map<String, Delta> d = new LinkedHashMap<>();
        for (Factor f : factors) {
            if (!model.has(f.weight())) throw new PithException(source + " adapts " + f.weight() + ", which " + model.source() + " does not have.");
            Tensor w = model.tensor(f.weight());
            if (w.cols() != f.in() || w.rows() != f.out())
                throw new PithException(source + " adapts " + f.weight() + " as " + f.out() + "×" + f.in() + ", but it is " + w.rows() + "×" + w.cols()
                        + " in " + model.source() + "; the adapter was trained for another base model.");
            if (f.a().length != f.rank() * f.in() || f.b().length != f.out() * f.rank())
                throw new IllegalArgumentException(f.weight() + ": A/B sizes do not match rank " + f.rank());
            Tensor a = new Tensor(f.weight() + ".lora_a", DType.F32, new long[] {f.in(), f.rank()}, MemorySegment.ofArray(f.a()));
            Tensor b = new Tensor(f.weight() + ".lora_b", DType.F32, new long[] {f.rank(), f.out()}, MemorySegment.ofArray(f.b()));
            d.put(f.weight(), new Delta(f.weight(), a, b, f.scale()));
        }
        return new RuntimeAdapter(name, Map.copyOf(d));
    }

    public String name() { return name; }
    /** The delta of weight {@code weight}, or null when the adapter leaves it alone. */
    public Delta delta(String weight) { return deltas.get(weight); }
    public int size() { return deltas.size(); }
}
