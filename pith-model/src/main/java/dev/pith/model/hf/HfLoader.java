package dev.pith.model.hf;

import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.gguf.GgufValue;
import dev.pith.model.tokenizer.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Loads a Hugging Face model folder (config.json + model.safetensors or shards + tokenizer.json)
 * as a {@link Model} in Pith's canonical GGUF form, exactly as llama.cpp's convert_hf_to_gguf.py
 * would convert it: GGUF tensor names, q/k rows permuted to GGUF's rope layout for the llama
 * architecture (not for qwen2), no output.weight when embeddings are tied, and rope_freqs.weight for
 * Llama 3 rope scaling. Tensors stay mapped from the safetensors files except the permuted ones
 * and rope_freqs, which live in fresh memory. Close the model to unmap.
 */
public final class HfLoader {
    private HfLoader() {}

    public static final String CONFIG = "config.json";
    public static final String TOKENIZER = "tokenizer.json";

    /**
     * @param tokenizerLoader called with tokenizer.json's path when the folder has one; may be null,
     *                        and then (or without tokenizer.json) the model has no tokenizer
     */
    public static Model load(Path dir, Function<Path, Tokenizer> tokenizerLoader) {
        if (!Files.isDirectory(dir)) throw new PithException(dir + " is not a folder, so not a Hugging Face model folder.");
        HfConfig hf = HfConfig.read(dir.resolve(CONFIG));
        SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir);
        try {
            Map<String, Tensor> tensors = ggufTensors(dir, hf, ck.tensors());
            Map<String, GgufValue> metadata = new LinkedHashMap<>(GgufConfig.toGguf(hf.model()));
            if (hf.bosTokenId() != null) metadata.put("tokenizer.ggml.bos_token_id", GgufValue.u32(hf.bosTokenId()));
            if (!hf.eosTokenIds().isEmpty() && hf.eosTokenIds().get(0) != null)
                metadata.put("tokenizer.ggml.eos_token_id", GgufValue.u32(hf.eosTokenIds().get(0)));
            Path tokPath = dir.resolve(TOKENIZER);
            Tokenizer tok = tokenizerLoader != null && Files.isRegularFile(tokPath) ? tokenizerLoader.apply(tokPath) : null;
            return new Model(hf.model(), tensors, tok, metadata, dir, List.of(ck));
        } catch (RuntimeException e) {
            ck.close();
            throw e;
        }
    }

    /** Renames, checks and permutes a checkpoint's tensors into GGUF form. */
    static Map<String, Tensor> ggufTensors(Path dir, HfConfig hf, Map<String, Tensor> hfTensors) {
        ModelConfig c = hf.model();
        boolean llama = c.architecture().equals("llama");
        Map<String, Tensor> byGguf = new LinkedHashMap<>();
        for (var e : hfTensors.entrySet()) {
            String name = e.getKey();
            if (HfTensorNames.isRecomputedBuffer(name)) continue;
            // transformers saves tied models without lm_head; a file that has it anyway holds a copy.
            if (c.tiedEmbeddings() && name.equals("lm_head.weight")) continue;
            String g = HfTensorNames.toGguf(name);
            if (g == null)
                throw new PithException(dir + " has tensor '" + name + "', which " + hf.hfArchitecture() + " as Pith runs it does not use.");
            byGguf.put(g, e.getValue().renamed(g));
        }
        boolean oBias = llama && hf.attentionBias();
        Map<String, long[]> expected = TensorLayout.expected(c, hf.attentionBias(), oBias);
        Map<String, Tensor> ordered = TensorLayout.check(dir, expected, byGguf, Set.of(),
                g -> Objects.requireNonNullElse(HfTensorNames.toHf(g), g));
        Map<String, Tensor> out = new LinkedHashMap<>();
        if (c.ropeScaling() != null) out.put(Llama3Rope.TENSOR, Llama3Rope.tensor(c));
        for (var e : ordered.entrySet()) {
            Tensor t = e.getValue();
            if (llama) t = permuteForGguf(t, c);
            out.put(e.getKey(), t);
        }
        return out;
    }

    private static Tensor permuteForGguf(Tensor t, ModelConfig c) {
        String n = t.name();
        if (n.endsWith(".attn_q.weight") || n.endsWith(".attn_q.bias")) return RopePermutation.toGguf(t, c.heads());
        if (n.endsWith(".attn_k.weight") || n.endsWith(".attn_k.bias")) return RopePermutation.toGguf(t, c.kvHeads());
        return t;
    }
}
