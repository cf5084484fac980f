package dev.pith.model.runtime;

import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.core.kernel.MatMul;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;

/**
 * One transformer block's weights. Matrices stay in their stored type (mapped, quantized or not);
 * norm weights and biases are small and copied to float arrays once.
 */
record LayerWeights(
        float[] attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
        float[] bq, float[] bk, float[] bv,
        float[] ffnNorm, Tensor wGate, Tensor wUp, Tensor wDown) {

    static LayerWeights of(Model m, int layer) {
        ModelConfig c = m.config();
        String p = "blk." + layer + ".";
        return new LayerWeights(
                vector(m, p + "attn_norm.weight", c.dim()),
                matrix(m, p + "attn_q.weight", c.dim(), c.qDim()),
                matrix(m, p + "attn_k.weight", c.dim(), c.kvDim()),
                matrix(m, p + "attn_v.weight", c.dim(), c.kvDim()),
                matrix(m, p + "attn_output.weight", c.qDim(), c.dim()),
                optionalVector(m, p + "attn_q.bias", c.qDim()),
                optionalVector(m, p + "attn_k.bias", c.kvDim()),
                optionalVector(m, p + "attn_v.bias", c.kvDim()),
                vector(m, p + "ffn_norm.weight", c.dim()),
                matrix(m, p + "ffn_gate.weight", c.dim(), c.ffnDim(layer)),
                matrix(m, p + "ffn_up.weight", c.dim(), c.ffnDim(layer)),
                matrix(m, p + "ffn_down.weight", c.ffnDim(layer), c.dim()));
    }

    /** The seven projection matrices. */
    Tensor[] matrices() { return new Tensor[] {wq, wk, wv, wo, wGate, wUp, wDown}; }

    static Tensor matrix(Model m, String name, int cols, int rows) {
        Tensor t = m.tensor(name);
        if (t.rank() != 2 || t.cols() != cols || t.rows() != rows)
            throw new PithException(m.source() + ": tensor " + name + " has shape " + java.util.Arrays.toString(t.shape())
                    + " but the configuration needs [" + cols + ", " + rows + "].");
        return t;
    }

    static float[] vector(Model m, String name, int n) {
        Tensor t = m.tensor(name);
        if (t.elementCount() != n)
            throw new PithException(m.source() + ": tensor " + name + " has " + t.elementCount() + " elements but the configuration needs " + n + ".");
        float[] v = new float[n];
        MatMul.getRow(t, 0, v, 0);
        return v;
    }

    static float[] optionalVector(Model m, String name, int n) {
        return m.has(name) ? vector(m, name, n) : null;
    }
}
