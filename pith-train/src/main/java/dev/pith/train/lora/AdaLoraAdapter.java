package dev.pith.train.lora;

import java.util.ArrayList;
import java.util.List;

/**
 * A trained AdaLoRA adapter: per projection Q (r₀ × in), λ (r₀), P (out × r₀) in GGUF row order and
 * the triplets the allocation kept; the update is c·P·diag(λ)·Q over the kept triplets,
 * c = α/(r₀ + 1e-5). {@link #toLora()} folds it into a plain LoRA adapter, which is what llama.cpp
 * loads, merging applies and the runtime runs.
 */
public record AdaLoraAdapter(AdaLoraConfig config, String baseModel, List<Entry> entries) {
    public record Entry(int layer, LoraTarget target, int rank, int in, int out, float[] a, float[] e, float[] b, boolean[] keep) {
        public int keptRank() {
            int k = 0;
            for (boolean v : keep) if (v) k++;
            return k;
        }

        /** Indices of the kept triplets. */
        int[] kept() {
            int[] idx = new int[keptRank()];
            for (int k = 0, j = 0; k < rank; k++) if (keep[k]) idx[j++] = k;
            return idx;
        }
    }

    public AdaLoraAdapter { entries = List.copyOf(entries); }

    public int rankInUse() {
        int k = 0;
        for (Entry e : entries) k += e.keptRank();
        return k;
    }

    /**
     * The same update as plain LoRA: A = diag(λ_K)·Q_K (the kept rows), B = c·P_K (the kept
     * columns, scale folded in), α = 0, which in Pith and llama.cpp means scale 1 for every entry
     * (ranks now differ per projection, so no single α/r could hold). Projections with no kept
     * triplet are left out.
     */
    public LoraAdapter toLora() { return fold(entries, config.scale(), baseModel); }

    /** {@link #toLora()} for entries read from a file, with their scale c. */
    static LoraAdapter fold(List<Entry> entries, double scale, String baseModel) {
        List<LoraAdapter.Entry> out = new ArrayList<>();
        float c = (float) scale;
        for (Entry e : entries) {
            int[] k = e.kept();
            if (k.length == 0) continue;
            int r = k.length;
            float[] a = new float[r * e.in()], b = new float[e.out() * r];
            for (int j = 0; j < r; j++) {
                float lambda = e.e()[k[j]];
                for (int i = 0; i < e.in(); i++) a[j * e.in() + i] = lambda * e.a()[k[j] * e.in() + i];
                for (int o = 0; o < e.out(); o++) b[o * r + j] = c * e.b()[o * e.rank() + k[j]];
            }
            out.add(new LoraAdapter.Entry(e.layer(), e.target(), r, e.in(), e.out(), a, b));
        }
        return new LoraAdapter(0, baseModel, out);
    }
}
