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
 * Puts AdaLoRA's SVD-form adapters on a {@link LlamaTrainModel}'s projections and runs its rank
 * allocation as the {@link Trainer}'s step hook: the orthogonality penalty's gradient after
 * backward, the importance update and masking after each optimizer step. Attach before building
 * the Trainer (the optimizer takes the trainable parameters when it is created), then
 * {@code trainer.setHook(adaLora)}.
 */
public final class AdaLora implements Trainer.StepHook {
    private final AdaLoraConfig cfg;
    private final List<Slot> slots;
    private final RankAllocator allocator;
    private final List<Param> qs = new ArrayList<>(), ps = new ArrayList<>();
    private double lastPenalty;

    private record Slot(int layer, LoraTarget target, AdaLoraLinear module) {}

    private AdaLora(AdaLoraConfig cfg, List<Slot> slots) {
        this.cfg = cfg;
        this.slots = slots;
        List<AdaLoraLinear> modules = new ArrayList<>();
        for (Slot s : slots) {
            modules.add(s.module);
            qs.add(s.module.a());
            ps.add(s.module.b());
        }
        this.allocator = new RankAllocator(cfg, modules);
    }

    public static AdaLora attach(LlamaTrainModel m, AdaLoraConfig cfg, long seed) {
        List<Slot> slots = new ArrayList<>();
        Rng init = new Rng(seed * 0x9E3779B97F4A7C15L + 13);
        for (int l = 0; l < m.config().layers(); l++) {
            for (LoraTarget t : LoraTarget.values()) {
                if (!cfg.targets().contains(t)) continue;
                Linear lin = m.linear(t.weight(l));
                int in = lin.in(), out = lin.out(), r = cfg.initRank();
                if (r > Math.min(in, out))
                    throw new PithException("--init-rank " + r + " is larger than " + t.weight(l) + " (" + out + "×" + in
                            + "): a rank above " + Math.min(in, out) + " adds nothing a full update would not.");
                if (lin.weight().trainable()) throw new IllegalStateException(lin.weight().name() + " must be frozen under an AdaLoRA adapter");
                Param a = new Param(t.weight(l) + ".lora_a", r, in, false);
                Param e = new Param(t.weight(l) + ".lora_e", r, 1, false);
                Param b = new Param(t.weight(l) + ".lora_b", out, r, false);
                AdaLoraLinear.initialize(a, e, b, init);
                AdaLoraLinear module = new AdaLoraLinear(a, e, b, cfg.scale(), cfg.dropout(), new Rng(seed + 31L * slots.size() + 1), m::training);
                lin.setAdapter(module);
                m.addTrainable(a);
                m.addTrainable(e);
                m.addTrainable(b);
                slots.add(new Slot(l, t, module));
            }
        }
        if (slots.isEmpty()) throw new PithException("--targets matches no projection of the model.");
        return new AdaLora(cfg, slots);
    }

    public AdaLoraConfig config() { return cfg; }
    public RankAllocator allocator() { return allocator; }
    /** The orthogonality penalty w·R of the last step (not part of the reported loss). */
    public double lastPenalty() { return lastPenalty; }

    @Override
    public void afterBackward() {
        lastPenalty = OrthogonalRegularizer.addGradient(qs, ps, cfg.orthRegWeight());
    }

    @Override
    public void afterUpdate(long step) { allocator.afterUpdate(step); }

    @Override
    public String stateName() { return "AdaLoRA rank-allocation state (importance averages and masks)"; }

    /**
     * What a resumed run needs beyond the weights: per projection its shape, dropout generator and
     * kept triplets, then the allocator's averages and final pattern (little-endian).
     */
    @Override
    public byte[] saveState() {
        int size = 4;
        for (Slot s : slots) size += 12 + 8 + s.module.rank();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(size + allocator.stateBytes()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(slots.size());
        for (Slot s : slots) {
            AdaLoraLinear l = s.module;
            b.putInt(l.rank()).putInt(l.a().cols()).putInt(l.b().rows()).putLong(l.dropoutRng().state());
            for (boolean k : l.keep()) b.put((byte) (k ? 1 : 0));
        }
        allocator.writeState(b);
        return java.util.Arrays.copyOf(b.array(), b.position()); // the final pattern may not exist yet
    }

    @Override
    public void restoreState(java.nio.ByteBuffer b, java.nio.file.Path file) {
        try {
            if (b.getInt() != slots.size()) throw new java.nio.BufferUnderflowException();
            for (Slot s : slots) {
                AdaLoraLinear l = s.module;
                if (b.getInt() != l.rank() || b.getInt() != l.a().cols() || b.getInt() != l.b().rows()) throw new java.nio.BufferUnderflowException();
                l.dropoutRng().setState(b.getLong());
                boolean[] keep = new boolean[l.rank()];
                for (int k = 0; k < keep.length; k++) keep[k] = b.get() != 0;
                l.restoreKeep(keep);
            }
            allocator.readState(b);
            if (b.hasRemaining()) throw new java.nio.BufferUnderflowException();
        } catch (java.nio.BufferUnderflowException e) {
            throw new PithException(file + " holds AdaLoRA state for other projections or ranks than this run's; resume with the same --targets and --init-rank or choose another --out.");
        }
    }

    /** Re-applies the last allocation (λ of masked triplets may have moved since it was made), so the model is what is exported. */
    public void finish() {
        for (Slot s : slots) s.module.mask(s.module.keep().clone());
    }

    public long trainableParameters() {
        long n = 0;
        for (Slot s : slots) n += s.module.a().size() + s.module.e().size() + s.module.b().size();
        return n;
    }

    public int rankInUse() { return allocator.rankInUse(); }

    /** A copy of the current adapter (all r₀ triplets and which are kept). */
    public AdaLoraAdapter snapshot(String baseModel) {
        List<AdaLoraAdapter.Entry> entries = new ArrayList<>();
        for (Slot s : slots) {
            AdaLoraLinear l = s.module;
            entries.add(new AdaLoraAdapter.Entry(s.layer, s.target, l.rank(), l.a().cols(), l.b().rows(),
                    l.a().w.clone(), l.e().w.clone(), l.b().w.clone(), l.keep().clone()));
        }
        return new AdaLoraAdapter(cfg, baseModel, entries);
    }
}
