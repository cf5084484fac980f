package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.core.quant.Quantizer;
import dev.pith.core.quant.WeightedQuantizer;
import dev.pith.model.Model;
import dev.pith.model.Models;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The untied embedding's column importance on the real stories260K: the mean of g² over every
 * block's attention and feed-forward norm and the output norm (reference computed here by name,
 * in float64), and the weighted Q4_0 rounding it drives has a lower norm-weighted error than RTN.
 */
class EmbeddingImportanceTest {
    @Test
    void meanSquaredNormWeightsOnStories260k() {
        Path file = Path.of(System.getProperty("pith.shared")).resolve("data/models/stories260K-f32.gguf");
        try (Model m = Models.load(file)) {
            float[] imp = EmbeddingImportance.of(m);
            int n = m.tensor("token_embd.weight").cols(), layers = m.config().layers();
            double[] ref = new double[n];
            for (int l = 0; l < layers; l++) {
                add(ref, m.tensor("blk." + l + ".attn_norm.weight"));
                add(ref, m.tensor("blk." + l + ".ffn_norm.weight"));
            }
            add(ref, m.tensor("output_norm.weight"));
            assertThat(imp).hasSize(n);
            for (int j = 0; j < n; j++) assertThat((double) imp[j]).isCloseTo(ref[j] / (2 * layers + 1), org.assertj.core.data.Offset.offset(1e-6 * ref[j] + 1e-12));

            Tensor emb = m.tensor("token_embd.weight");
            float[] w = Dequantizer.dequantize(emb);
            double eW = 0, eR = 0;
            float[] row = new float[n], back = new float[n];
            for (int r = 0; r < emb.rows(); r++) {
                System.arraycopy(w, r * n, row, 0, n);
                Dequantizer.dequantize(DType.Q4_0, MemorySegment.ofArray(WeightedQuantizer.quantizeRow(DType.Q4_0, row, n, imp)), 0, back, 0, n);
                eW += weighted(row, back, imp);
                Dequantizer.dequantize(DType.Q4_0, MemorySegment.ofArray(Quantizer.quantize(DType.Q4_0, row, n)), 0, back, 0, n);
                eR += weighted(row, back, imp);
            }
            System.out.printf("stories260K token_embd Q4_0: norm-weighted error %.4g (weighted) vs %.4g (RTN)%n", eW, eR);
            assertThat(eW).isLessThan(eR);
        }
    }

    private static void add(double[] acc, Tensor t) {
        float[] g = Dequantizer.dequantize(t);
        for (int j = 0; j < acc.length; j++) acc[j] += (double) g[j] * g[j];
    }

    private static double weighted(float[] x, float[] q, float[] imp) {
        double s = 0;
        for (int j = 0; j < x.length; j++) s += imp[j] * (double) (x[j] - q[j]) * (x[j] - q[j]);
        return s;
    }
}
