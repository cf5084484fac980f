package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.core.quant.WeightedQuantizer;
import dev.pith.model.Model;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * Mixed precision to a size budget: every weight matrix with an importance vector may take any of
 * Q2_K … Q6_K, Q8_0 (after llama.cpp's fallback for its row width); its cost for each is the
 * importance-weighted squared error Σ_rows Σ_cols imp[c]·(w − ŵ)² of actually quantizing it that
 * way (the expected squared change of the layer's output under a diagonal activation covariance),
 * and a greedy search upgrades, one step at a time, the matrix that buys the most error reduction
 * per extra byte until the next step would exceed the budget. Tensors without an importance
 * vector (the embedding table, an untied output head) keep the type the base mixture gives them.
 */
public final class BudgetPlanner {
    static final List<DType> LADDER = List.of(DType.Q2_K, DType.Q3_K, DType.Q4_K, DType.Q5_K, DType.Q6_K, DType.Q8_0);

    private BudgetPlanner() {}

    private record Option(DType type, long bytes, double error) {}

    /**
     * Types for {@code m} whose tensors total at most {@code targetBpw} bits per parameter.
     * {@code base} is the plan of the mixture the fixed tensors come from.
     */
    public static TypePlanner.Plan allocate(Model m, Map<String, float[]> importance, double targetBpw, TypePlanner.Plan base) {
        return allocateBytes(m, importance, targetBpw * m.parameterCount() / 8, base, String.format("--target-bpw %.3f", targetBpw));
    }

    /**
     * Types whose tensors total at most {@code budget} bytes; {@code flag} names the option that set
     * the budget, for the error when even the smallest choice does not fit.
     */
    public static TypePlanner.Plan allocateBytes(Model m, Map<String, float[]> importance, double budget, TypePlanner.Plan base, String flag) {
        long params = m.parameterCount();
        Map<String, DType> types = new LinkedHashMap<>(base.types());
        long fixed = 0;
        Map<String, List<Option>> options = new LinkedHashMap<>();
        for (Tensor t : m.tensors().values()) {
            float[] imp = importance.get(t.name());
            DType planned = base.types().get(t.name());
            boolean choosable = imp != null && imp.length == t.cols() && TypePlanner.allowsQuantization(new TypePlanner.Input(t.name(), t.shape(), t.type()));
            if (!choosable) {
                fixed += planned.bytesFor(t.cols()) * t.rows();
                continue;
            }
            options.put(t.name(), options(t, imp));
        }
        Map<String, Integer> at = new LinkedHashMap<>();
        double total = fixed;
        for (var e : options.entrySet()) {
            at.put(e.getKey(), 0);
            total += e.getValue().getFirst().bytes();
        }
        if (total > budget)
            throw new PithException(String.format("%s is below what %s can reach: the smallest choice is %.3f bits per weight (%,d tensor bytes).",
                    flag, m.source(), 8 * total / params, (long) total));
        while (true) {
            String best = null;
            double bestGain = 0;
            for (var e : options.entrySet()) {
                List<Option> o = e.getValue();
                int i = at.get(e.getKey());
                if (i + 1 >= o.size()) continue;
                long extra = o.get(i + 1).bytes() - o.get(i).bytes();
                if (total + extra > budget) continue;
                double gain = (o.get(i).error() - o.get(i + 1).error()) / Math.max(1, extra);
                if (gain > bestGain) {
                    bestGain = gain;
                    best = e.getKey();
                }
            }
            if (best == null) break;
            List<Option> o = options.get(best);
            int i = at.get(best);
            total += o.get(i + 1).bytes() - o.get(i).bytes();
            at.put(best, i + 1);
        }
        for (var e : options.entrySet()) types.put(e.getKey(), e.getValue().get(at.get(e.getKey())).type());
        return new TypePlanner.Plan(types, base.warnings());
    }

    /** The ladder for one tensor: distinct types after fallback, by size, keeping only those that lower the error. */
    private static List<Option> options(Tensor t, float[] imp) {
        List<Option> out = new ArrayList<>();
        float[] w = Dequantizer.dequantize(t);
        for (DType c : LADDER) {
            DType d = TypePlanner.fallbackType(c, t.cols());
            long bytes = d.bytesFor(t.cols()) * t.rows();
            if (!out.isEmpty() && bytes <= out.getLast().bytes()) continue;
            double err = error(w, t.rows(), t.cols(), d, imp);
            if (!out.isEmpty() && err >= out.getLast().error()) continue;
            out.add(new Option(d, bytes, err));
        }
        return out;
    }

    /** The importance-weighted error of quantizing every matrix that has an importance vector as {@code plan} says. */
    static double planError(Model m, Map<String, float[]> importance, TypePlanner.Plan plan) {
        double sum = 0;
        for (Tensor t : m.tensors().values()) {
            float[] imp = importance.get(t.name());
            if (imp == null) continue;
            sum += error(Dequantizer.dequantize(t), t.rows(), t.cols(), plan.types().get(t.name()), imp);
        }
        return sum;
    }

    private static double error(float[] w, int rows, int cols, DType type, float[] imp) {
        DoubleAdder sum = new DoubleAdder();
        Parallel.forRange(rows, 16, (from, to) -> {
            float[] row = new float[cols], back = new float[cols];
            double s = 0;
            for (int r = from; r < to; r++) {
                System.arraycopy(w, r * cols, row, 0, cols);
                if (type.isQuantized()) {
                    byte[] q = WeightedQuantizer.quantizeRow(type, row, cols, imp);
                    Dequantizer.dequantize(type, MemorySegment.ofArray(q), 0, back, 0, cols);
                } else {
                    for (int c = 0; c < cols; c++) back[c] = Float.float16ToFloat(Float.floatToFloat16(row[c]));
                }
                for (int c = 0; c < cols; c++) {
                    double d = row[c] - back[c];
                    s += imp[c] * d * d;
                }
            }
            sum.add(s);
        });
        return sum.sum();
    }
}
