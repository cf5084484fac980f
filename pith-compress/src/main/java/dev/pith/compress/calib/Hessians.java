package dev.pith.compress.calib;

import dev.pith.core.Parallel;
import dev.pith.model.runtime.ActivationObserver;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * XᵀX of the inputs of each watched matrix product (the Hessian of the layer-wise squared error that
 * SparseGPT and GPTQ minimise), summed in double over calibration tokens. Products that read the
 * same input (a block's q, k and v; gate and up) can share one matrix through {@code shareKey},
 * which saves most of the cost: the sum is cols² work per token.
 */
public final class Hessians implements ActivationObserver {
    private final Predicate<String> watch;
    private final Function<String, String> shareKey;
    private final Map<String, double[]> sums = new HashMap<>();
    private final Map<String, Integer> widths = new HashMap<>();
    private final Map<String, Long> counts = new HashMap<>();

    /** @param shareKey maps a tensor name to the name whose input it shares (itself when none) */
    public Hessians(Predicate<String> watch, Function<String, String> shareKey) {
        this.watch = watch;
        this.shareKey = shareKey;
    }

    /** Llama blocks: k and v read q's input, up reads gate's. */
    public static String llamaSharedInput(String name) {
        return name.replace(".attn_k.", ".attn_q.").replace(".attn_v.", ".attn_q.").replace(".ffn_up.", ".ffn_gate.");
    }

    @Override
    public void linearInput(String weight, float[] x, int n, int cols) {
        if (!watch.test(weight)) return;
        String key = shareKey.apply(weight);
        if (!key.equals(weight) && watch.test(key)) return; // the owner of the shared input accumulates it
        double[] h = sums.computeIfAbsent(key, k -> new double[cols * cols]);
        widths.put(key, cols);
        counts.merge(key, (long) n, Long::sum);
        accumulate(h, x, n, cols);
    }

    /** h += xᵀx, upper and lower triangles both, each thread owning whole rows of h. */
    static void accumulate(double[] h, float[] x, int n, int cols) {
        Parallel.forRange(cols, 16, (a, b) -> {
            for (int i = a; i < b; i++) {
                int row = i * cols;
                for (int t = 0; t < n; t++) {
                    int off = t * cols;
                    double xi = x[off + i];
                    if (xi == 0) continue;
                    for (int j = 0; j < cols; j++) h[row + j] += xi * x[off + j];
                }
            }
        });
    }

    /** The summed XᵀX for a tensor (cols × cols, row-major), or null when it was never seen. */
    public double[] get(String weight) { return sums.get(shareKey.apply(weight)); }

    public long tokens(String weight) { return counts.getOrDefault(shareKey.apply(weight), 0L); }
}
