package dev.pith.train.lora;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.model.Model;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Folds an adapter into its base: W' = W + (α/r)·B·A for every adapted projection, as float32
 * (the base may be quantized; re-quantizing is the caller's choice). Every other tensor is the
 * base's own, shared, not copied.
 */
public final class LoraMerge {
    private LoraMerge() {}

    public static Model merge(Model base, LoraAdapter adapter, java.nio.file.Path adapterPath) {
        adapter.checkFits(base.config(), adapterPath, base.source());
        Map<String, Tensor> tensors = new LinkedHashMap<>(base.tensors());
        for (LoraAdapter.Entry e : adapter.entries()) {
            Tensor w = base.tensor(e.weight());
            float[] merged = Dequantizer.dequantize(w);
            addProduct(merged, e, (float) e.scale(adapter.alpha()));
            tensors.put(e.weight(), new Tensor(e.weight(), DType.F32, w.shape(), MemorySegment.ofArray(merged)));
        }
        return new Model(base.config(), tensors, base.tokenizer(), base.metadata(), base.source(), java.util.List.of());
    }

    /** w[out × in] += s · B[out × r] · A[r × in]. */
    static void addProduct(float[] w, LoraAdapter.Entry e, float s) {
        int in = e.in(), r = e.rank();
        float[] a = e.a(), b = e.b();
        Parallel.forRange(e.out(), 8, (from, to) -> {
            for (int o = from; o < to; o++)
                for (int k = 0; k < r; k++) {
                    float c = s * b[o * r + k];
                    if (c == 0f) continue;
                    for (int j = 0; j < in; j++) w[o * in + j] += c * a[k * in + j];
                }
        });
    }
}
