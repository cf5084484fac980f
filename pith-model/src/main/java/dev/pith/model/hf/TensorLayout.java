package dev.pith.model.hf;

import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.ModelConfig;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensors a Llama-family model of a given configuration must have, by GGUF name, with their
 * ggml-order shapes, in llama.cpp's order. Loaders and writers check a model against it so a
 * mismatched checkpoint fails at the boundary with a clear message instead of deep in the runtime.
 */
final class TensorLayout {
    private TensorLayout() {}

    /**
     * @param qkvBias q/k/v projections have biases (Qwen2; Llama with attention_bias)
     * @param oBias   the output projection has a bias (Llama with attention_bias)
     */
    static Map<String, long[]> expected(ModelConfig c, boolean qkvBias, boolean oBias) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long d = c.dim(), q = c.qDim(), kv = c.kvDim(), ff = c.ffnDim(), v = c.vocabSize();
        m.put("token_embd.weight", new long[] {d, v});
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            m.put(p + "attn_norm.weight", new long[] {d});
            m.put(p + "attn_q.weight", new long[] {d, q});
            m.put(p + "attn_k.weight", new long[] {d, kv});
            m.put(p + "attn_v.weight", new long[] {d, kv});
            if (qkvBias) {
                m.put(p + "attn_q.bias", new long[] {q});
                m.put(p + "attn_k.bias", new long[] {kv});
                m.put(p + "attn_v.bias", new long[] {kv});
            }
            m.put(p + "attn_output.weight", new long[] {q, d});
            if (oBias) m.put(p + "attn_output.bias", new long[] {d});
            m.put(p + "ffn_norm.weight", new long[] {d});
            m.put(p + "ffn_gate.weight", new long[] {d, ff});
            m.put(p + "ffn_up.weight", new long[] {d, ff});
            m.put(p + "ffn_down.weight", new long[] {ff, d});
        }
        m.put("output_norm.weight", new long[] {d});
        if (!c.tiedEmbeddings()) m.put("output.weight", new long[] {d, v});
        return m;
    }

    /**
     * Checks that {@code tensors} (GGUF names) holds exactly the expected tensors with the expected
     * shapes, {@code allowed} extra names aside, and returns them in the expected order.
     *
     * @param describe turns a GGUF name into the name the user knows (e.g. the HF name), for messages
     */
    static Map<String, Tensor> check(Path source, Map<String, long[]> expected, Map<String, Tensor> tensors,
                                     java.util.Set<String> allowed, java.util.function.UnaryOperator<String> describe) {
        for (String name : tensors.keySet()) {
            if (!expected.containsKey(name) && !allowed.contains(name))
                throw new PithException(source + " has tensor '" + describe.apply(name) + "', which the configuration does not call for.");
        }
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (var e : expected.entrySet()) {
            Tensor t = tensors.get(e.getKey());
            if (t == null) throw new PithException(source + " lacks tensor '" + describe.apply(e.getKey()) + "'.");
            if (!Arrays.equals(t.shape(), e.getValue()))
                throw new PithException(source + ": tensor '" + describe.apply(e.getKey()) + "' has shape " + rowMajor(t.shape())
                        + " but the configuration needs " + rowMajor(e.getValue()) + ".");
            ordered.put(e.getKey(), t);
        }
        for (String name : allowed) if (tensors.containsKey(name)) ordered.put(name, tensors.get(name));
        return ordered;
    }

    /** A ggml-order shape written the way Hugging Face users read shapes (rows first). */
    static String rowMajor(long[] ggml) {
        long[] r = new long[ggml.length];
        for (int i = 0; i < r.length; i++) r[i] = ggml[ggml.length - 1 - i];
        return Arrays.toString(r);
    }
}
