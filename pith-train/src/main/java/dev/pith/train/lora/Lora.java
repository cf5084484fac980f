package dev.pith.train.lora;

import dev.pith.core.PithException;
import dev.pith.train.Linear;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.Param;
import dev.pith.train.Rng;
import dev.pith.train.Trainer;

import java.util.ArrayList;
import java.util.List;

/**
 * Puts LoRA adapters on a {@link LlamaTrainModel}'s projections: fresh ones for training
 * ({@link #attach(LlamaTrainModel, LoraConfig, long)}), or a trained {@link LoraAdapter} to run
 * the base with it unmerged ({@link #apply}). Attach before building the Trainer: the optimizer
 * takes the model's trainable parameters when it is created. As the trainer's step hook it only
 * puts its dropout generators into checkpoints (with dropout on), so a resumed run draws the masks
 * the uninterrupted one would have.
 */
public final class Lora implements Trainer.StepHook {
    private final LlamaTrainModel model;
    private final double alpha;
    private final List<Slot> slots;
    private double dropout;

    private record Slot(int layer, LoraTarget target, LoraLinear lora) {}

    private Lora(LlamaTrainModel model, double alpha, List<Slot> slots) {
        this.model = model;
        this.alpha = alpha;
        this.slots = slots;
    }

    /** Fresh adapters (PEFT's initialisation, seeded) on every targeted projection of every layer. */
    public static Lora attach(LlamaTrainModel m, LoraConfig cfg, long seed) {
        List<Slot> slots = new ArrayList<>();
        Rng init = new Rng(seed * 0x9E3779B97F4A7C15L + 7);
        for (int l = 0; l < m.config().layers(); l++) {
            for (LoraTarget t : LoraTarget.values()) {
                if (!cfg.targets().contains(t)) continue;
                Linear lin = m.linear(t.weight(l));
                int in = lin.in(), out = lin.out();
                if (cfg.rank() > Math.min(in, out))
                    throw new PithException("--lora-rank " + cfg.rank() + " is larger than " + t.weight(l) + " (" + out + "×" + in
                            + "): a rank above " + Math.min(in, out) + " adds nothing a full update would not.");
                Param a = new Param(t.weight(l) + ".lora_a", cfg.rank(), in, false);
                Param b = new Param(t.weight(l) + ".lora_b", out, cfg.rank(), false);
                LoraLinear.initialize(a, b, init);
                slots.add(new Slot(l, t, hook(m, lin, a, b, cfg.scale(), cfg.dropout(), new Rng(seed + 31L * slots.size() + 1))));
            }
        }
        if (slots.isEmpty()) throw new PithException("--targets matches no projection of the model.");
        Lora lora = new Lora(m, cfg.alpha(), slots);
        lora.dropout = cfg.dropout();
        return lora;
    }

    /** A trained adapter on the model's projections (no dropout): the base plus the adapter, unmerged. */
    public static Lora apply(LlamaTrainModel m, LoraAdapter adapter) {
        List<Slot> slots = new ArrayList<>();
        for (LoraAdapter.Entry e : adapter.entries()) {
            Linear lin = m.linear(e.weight());
            Param a = new Param(e.weight() + ".lora_a", e.rank(), e.in(), false);
            Param b = new Param(e.weight() + ".lora_b", e.out(), e.rank(), false);
            System.arraycopy(e.a(), 0, a.w, 0, e.a().length);
            System.arraycopy(e.b(), 0, b.w, 0, e.b().length);
            slots.add(new Slot(e.layer(), e.target(), hook(m, lin, a, b, e.scale(adapter.alpha()), 0, new Rng(1))));
        }
        return new Lora(m, adapter.alpha(), slots);
    }

    private static LoraLinear hook(LlamaTrainModel m, Linear lin, Param a, Param b, double scale, double dropout, Rng rng) {
        if (lin.weight().trainable())
            throw new IllegalStateException(lin.weight().name() + " must be frozen under a LoRA adapter");
        LoraLinear lora = new LoraLinear(a, b, scale, dropout, rng, m::training);
        lin.setAdapter(lora);
        m.addTrainable(a);
        m.addTrainable(b);
        return lora;
    }

    @Override
    public String stateName() { return dropout > 0 ? "LoRA dropout generator state" : null; }

    @Override
    public byte[] saveState() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 8 * slots.size()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(slots.size());
        for (Slot s : slots) b.putLong(s.lora.dropoutRng().state());
        return b.array();
    }

    @Override
    public void restoreState(java.nio.ByteBuffer b, java.nio.file.Path file) {
        if (b.remaining() != 4 + 8 * slots.size() || b.getInt() != slots.size())
            throw new PithException(file + " holds LoRA dropout state for other projections than this run's; resume with the same --targets or choose another --out.");
        for (Slot s : slots) s.lora.dropoutRng().setState(b.getLong());
    }

    public long trainableParameters() {
        long n = 0;
        for (Slot s : slots) n += s.lora.a().size() + s.lora.b().size();
        return n;
    }

    /** A copy of the current adapter weights. */
    public LoraAdapter snapshot(String baseModel) {
        List<LoraAdapter.Entry> entries = new ArrayList<>();
        for (Slot s : slots) {
            LoraLinear l = s.lora;
            entries.add(new LoraAdapter.Entry(s.layer, s.target, l.rank(), l.a().cols(), l.b().rows(), l.a().w.clone(), l.b().w.clone()));
        }
        return new LoraAdapter(alpha, baseModel, entries);
    }

    public LlamaTrainModel model() { return model; }
}
