package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
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
 * The cheap sensitivity measure, from an importance matrix alone: a matrix's cost for a type is
 * Σ_rows Σ_cols imp[c]·(w − ŵ)² of actually quantizing it that way (the expected squared change of
 * the layer's output under a diagonal activation covariance). It does not say how much an error
 * in one layer moves the loss ({@link LossSensitivity} measures that); tensors without an
 * importance vector (the embedding table, an untied output head) are not choosable.
 */
public final class ActivationSensitivity {
    static final List<DType> LADDER = List.of(DType.Q2_K, DType.Q3_K, DType.Q4_K, DType.Q5_K, DType.Q6_K, DType.Q8_0);

    private ActivationSensitivity() {}

    /** The choices of every matrix that has an importance vector of its width. */
    public static Map<String, List<Choice>> measure(Model m, Map<String, float[]> importance) {
        Map<String, List<Choice>> out = new LinkedHashMap<>();
        for (Tensor t : m.tensors().values()) {
            float[] imp = importance.get(t.name());
            if (imp == null || imp.length != t.cols() || !TypePlanner.allowsQuantization(new TypePlanner.Input(t.name(), t.shape(), t.type()))) continue;
            List<Choice> c = new ArrayList<>();
            float[] w = Dequantizer.dequantize(t);
            for (DType d : LossSensitivity.candidates(LADDER, t.cols())) c.add(new Choice(d, d.bytesFor(t.cols()) * t.rows(), error(w, t.rows(), t.cols(), d, imp)));
            out.put(t.name(), c);
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
