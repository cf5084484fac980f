package dev.pith.compress.quant;

import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.model.Model;

/**
 * Column importance for an untied token embedding, which multiplies nothing, so GPTQ has no
 * Hessian and the imatrix no activations for it. A looked-up row is added to the residual stream,
 * and every consumer of that stream sees it through an RMS norm that scales column j by the norm's
 * weight g_j: an error in column j reaches the layers multiplied by g_j. The importance of column j
 * is therefore the mean of g_j² over the model's norms (every block's attention and feed-forward
 * norm and the output norm): columns the norms damp can take more rounding error.
 */
public final class EmbeddingImportance {
    private EmbeddingImportance() {}

    /** One value per embedding column, or null when the model has no norm of the embedding's width. */
    public static float[] of(Model m) {
        Tensor emb = m.optional("token_embd.weight");
        if (emb == null) return null;
        int n = emb.cols(), count = 0;
        double[] sum = new double[n];
        for (Tensor t : m.tensors().values()) {
            if (!t.name().endsWith("norm.weight") || t.elementCount() != n) continue;
            float[] g = Dequantizer.dequantize(t);
            for (int j = 0; j < n; j++) sum[j] += (double) g[j] * g[j];
            count++;
        }
        if (count == 0) return null;
        double mean = 0;
        for (double s : sum) mean += s;
        mean /= n;
        float[] out = new float[n];
        // a floor keeps every column in the weighted search (a zero weight would let its error grow freely)
        for (int j = 0; j < n; j++) out[j] = (float) Math.max(sum[j] / count, 1e-6 * mean / count);
        return out;
    }
}
