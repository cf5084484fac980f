package dev.pith.model.runtime;

import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.TestData;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An adapter applied at matmul time (y = W·x + s·B·(A·x)) gives the logits of the model whose
 * weight was replaced by W + s·B·A, computed here directly; with no adapter active the base's
 * logits come back unchanged; shapes that do not fit are refused.
 */
class RuntimeAdapterTest {
    @Test
    void unmergedDeltaEqualsTheDirectlyMergedWeight() {
        try (Model m = Models.load(TestData.model("stories260K-f32.gguf"))) {
            String name = "blk.1.ffn_down.weight";
            Tensor w = m.tensor(name);
            int in = w.cols(), out = w.rows(), r = 3;
            Random rnd = new Random(1);
            float[] a = new float[r * in], b = new float[out * r];
            for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian() * 0.3f;
            for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian() * 0.3f;
            float s = 1.5f;
            float[] merged = Dequantizer.dequantize(w);
            for (int o = 0; o < out; o++)
                for (int j = 0; j < in; j++) {
                    double d = 0;
                    for (int k = 0; k < r; k++) d += (double) b[o * r + k] * a[k * in + j];
                    merged[o * in + j] += (float) (s * d);
                }
            Map<String, Tensor> tensors = new LinkedHashMap<>(m.tensors());
            tensors.put(name, new Tensor(name, DType.F32, w.shape(), MemorySegment.ofArray(merged)));
            Model mm = new Model(m.config(), tensors, m.tokenizer(), m.metadata(), m.source(), List.of());
            int[] tokens = {1, 403, 407, 261, 378, 29};

            Transformer t = new Transformer(m);
            t.loadAdapter(RuntimeAdapter.of("x", List.of(new RuntimeAdapter.Factor(name, r, in, out, a, b, s)), m, "x"));
            float[] base = t.forwardAll(tokens.clone());
            t.reset();
            t.useAdapter("x");
            float[] got = t.forwardAll(tokens.clone());
            float[] want = new Transformer(mm).forwardAll(tokens.clone());
            float[] plain = new Transformer(m).forwardAll(tokens.clone());
            assertThat(maxDiff(got, want) / maxAbs(want)).isLessThan(1e-4);
            assertThat(maxDiff(got, plain) / maxAbs(plain)).as("the delta matters").isGreaterThan(1e-3);
            assertThat(base).containsExactly(plain);
            assertThat(t.model().tensor(name)).as("the base tensor is used as it is, not copied").isSameAs(w);

            assertThatThrownBy(() -> RuntimeAdapter.of("y", List.of(new RuntimeAdapter.Factor(name, r, in + 1, out, new float[r * (in + 1)], b, s)), m, "y.gguf"))
                    .isInstanceOf(PithException.class).hasMessageContaining("y.gguf").hasMessageContaining("another base model");
            assertThatThrownBy(() -> t.useAdapter("z")).isInstanceOf(PithException.class).hasMessageContaining("'z'");
        }
    }

    private static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }

    private static double maxAbs(float[] a) {
        double d = 0;
        for (float v : a) d = Math.max(d, Math.abs(v));
        return d;
    }
}
