package dev.pith.train.lora;

import dev.pith.core.PithException;
import dev.pith.model.ModelConfig;

import java.nio.file.Path;
import java.util.List;

/**
 * A trained LoRA adapter, detached from any model: per adapted projection its A (r × in) and B
 * (out × r) in GGUF row order, and α (each update is scaled by α/r). What the PEFT and GGUF
 * writers write, their readers return, and merging or applying consumes.
 */
public record LoraAdapter(double alpha, String baseModel, List<Entry> entries) {
    public record Entry(int layer, LoraTarget target, int rank, int in, int out, float[] a, float[] b) {
        public Entry {
            if (a.length != rank * in || b.length != out * rank)
                throw new IllegalArgumentException("blk." + layer + "." + target.gguf + ": A/B sizes do not match rank " + rank);
        }

        public String weight() { return target.weight(layer); }
        /** α/r; α ≤ 0 means scale 1 (llama.cpp's reading of adapter.lora.alpha = 0; folded AdaLoRA adapters use it). */
        public double scale(double alpha) { return alpha > 0 ? alpha / rank : 1.0; }
    }

    public LoraAdapter { entries = List.copyOf(entries); }

    /** The largest rank (PEFT's r; all entries share it unless an AdaLoRA-style allocation differs per layer). */
    public int rank() {
        int r = 0;
        for (Entry e : entries) r = Math.max(r, e.rank());
        return r;
    }

    public java.util.Set<LoraTarget> targets() {
        java.util.Set<LoraTarget> t = java.util.EnumSet.noneOf(LoraTarget.class);
        for (Entry e : entries) t.add(e.target());
        return t;
    }

    /** Checks that every adapted projection exists in a model of configuration {@code c} with the adapter's shapes. */
    public void checkFits(ModelConfig c, Path adapterFile, Path modelFile) {
        for (Entry e : entries) {
            int[] shape = shape(c, e.target());
            if (e.layer() >= c.layers() || shape[0] != e.in() || shape[1] != e.out())
                throw new PithException(adapterFile + " adapts " + e.weight() + " as " + e.out() + "×" + e.in() + ", which does not exist in "
                        + modelFile + " (" + c.layers() + " layers, width " + c.dim() + "); the adapter was trained for another base model.");
        }
    }

    /** {in, out} of a target in a model of configuration c. */
    static int[] shape(ModelConfig c, LoraTarget t) {
        int q = c.heads() * c.headDim(), kv = c.kvHeads() * c.headDim();
        return switch (t) {
            case Q -> new int[] {c.dim(), q};
            case K, V -> new int[] {c.dim(), kv};
            case O -> new int[] {q, c.dim()};
            case GATE, UP -> new int[] {c.dim(), c.ffnDim()};
            case DOWN -> new int[] {c.ffnDim(), c.dim()};
        };
    }

    /** This adapter as the inference runtime applies it unmerged, under {@code name}, checked against {@code model}. */
    public dev.pith.model.runtime.RuntimeAdapter toRuntime(String name, dev.pith.model.Model model, Path source) {
        checkFits(model.config(), source, model.source());
        java.util.List<dev.pith.model.runtime.RuntimeAdapter.Factor> f = new java.util.ArrayList<>();
        for (Entry e : entries)
            f.add(new dev.pith.model.runtime.RuntimeAdapter.Factor(e.weight(), e.rank(), e.in(), e.out(), e.a(), e.b(), (float) e.scale(alpha)));
        return dev.pith.model.runtime.RuntimeAdapter.of(name, f, model, source.toString());
    }
}
