package dev.pith.model.hf;

import dev.pith.core.AtomicFile;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.gguf.GgufValue;
import dev.pith.model.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a {@link Model} as a Hugging Face folder that transformers loads: config.json and
 * model.safetensors (or shards plus an index), with every step of {@link HfLoader} undone: HF
 * names, q/k rows back in rotate_half order for the llama architecture, rope_freqs.weight turned
 * back into config.json's rope_scaling. Tensors are written bit for bit as they are, so HF → Model
 * → HF and HF → GGUF → HF give back identical tensors. The tokenizer files of a model that came
 * from a Hugging Face folder are copied beside it.
 */
public final class HfWriter {
    private HfWriter() {}

    /** Tokenizer and generation files copied from a source folder when present. */
    static final List<String> SIDE_FILES = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "generation_config.json");

    public static void write(Model model, Path dir) { write(model, dir, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES); }

    public static void write(Model model, Path dir, long maxShardBytes) {
        ModelConfig c = model.config();
        String arch = c.architecture();
        if (!arch.equals("llama") && !arch.equals("qwen2"))
            throw new PithException(dir + ": a '" + arch + "' model cannot be written as a Hugging Face folder; Pith writes llama and qwen2.");
        Tensor ropeFreqs = model.optional(Llama3Rope.TENSOR);
        if (c.ropeScaling() == null && ropeFreqs != null) {
            ModelConfig.RopeScaling s = Llama3Rope.recover(c, model.metadata(), ropeFreqs);
            if (s == null)
                throw new PithException((model.source() == null ? dir : model.source()) + " has a rope_freqs.weight tensor whose Llama 3 rope scaling parameters"
                        + " are unknown, so " + dir.resolve(HfLoader.CONFIG) + " could not describe it.");
            c = Llama3Rope.with(c, s);
        }
        boolean qkvBias = model.has("blk.0.attn_q.bias");
        boolean oBias = model.has("blk.0.attn_output.bias");
        Path source = model.source() == null ? dir : model.source();
        Map<String, Tensor> ordered = TensorLayout.check(source, TensorLayout.expected(c, qkvBias, oBias),
                model.tensors(), Set.of(Llama3Rope.TENSOR), g -> g);

        boolean llama = arch.equals("llama");
        Map<String, Tensor> hf = new LinkedHashMap<>();
        for (var e : ordered.entrySet()) {
            if (e.getKey().equals(Llama3Rope.TENSOR)) continue;
            Tensor t = e.getValue();
            String name = HfTensorNames.toHf(e.getKey());
            if (SafetensorsDtypes.toSafetensors(t.type()) == null)
                throw new PithException(source + ": tensor '" + e.getKey() + "' is " + t.type()
                        + ", which a Hugging Face checkpoint cannot hold; dequantize the model to F32, F16 or BF16 first.");
            if (llama) t = unpermute(t, c);
            hf.put(name, t.renamed(name));
        }
        String torchDtype = SafetensorsDtypes.torchDtype(model.tensor("token_embd.weight").type());
        HfConfig config = HfConfig.of(c, torchDtype, tokenId(model, "tokenizer.ggml.bos_token_id", true),
                eos(model), qkvBias);
        String configText = config.toJson(dir.resolve(HfLoader.CONFIG)); // fails before any file is written

        SafetensorsWriter.writeSharded(dir, hf, maxShardBytes);
        AtomicFile.write(dir.resolve(HfLoader.CONFIG), out -> out.write(configText.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        copySideFiles(model.source(), dir);
        writeTokenizerJsonIfMissing(model, dir);
    }

    /**
     * A source without tokenizer.json (GGUF, llama2.c, an HF folder with only tokenizer.model) gets one
     * written from the model's tokenizer, so the folder is complete for transformers; a
     * tokenizer_config.json copied from the source is kept.
     */
    private static void writeTokenizerJsonIfMissing(Model model, Path dir) {
        Path src = model.source();
        if (model.tokenizer() == null || (src != null && Files.isRegularFile(src.resolve(TOKENIZER_JSON)))) return;
        Path config = dir.resolve("tokenizer_config.json");
        byte[] copied = null;
        try {
            if (src != null && Files.isRegularFile(src.resolve("tokenizer_config.json"))) copied = Files.readAllBytes(config);
        } catch (java.io.IOException e) {
            throw new PithException(config + " cannot be read (" + e.getMessage() + ").", e);
        }
        Tokenizers.toHfJson(model.tokenizer(), dir);
        if (copied != null) {
            byte[] keep = copied;
            AtomicFile.write(config, out -> out.write(keep));
        }
    }

    private static final String TOKENIZER_JSON = "tokenizer.json";

    private static Tensor unpermute(Tensor t, ModelConfig c) {
        String n = t.name();
        if (n.endsWith(".attn_q.weight") || n.endsWith(".attn_q.bias")) return RopePermutation.toHf(t, c.heads());
        if (n.endsWith(".attn_k.weight") || n.endsWith(".attn_k.bias")) return RopePermutation.toHf(t, c.kvHeads());
        return t;
    }

    private static List<Integer> eos(Model model) {
        Integer id = tokenId(model, "tokenizer.ggml.eos_token_id", false);
        List<Integer> l = new ArrayList<>();
        if (id != null) l.add(id);
        return l;
    }

    private static Integer tokenId(Model model, String key, boolean bos) {
        GgufValue v = model.metadata().get(key);
        if (v != null) {
            try {
                long id = v.asLong();
                if (id >= 0 && id <= Integer.MAX_VALUE) return (int) id;
            } catch (IllegalStateException ignored) {
                // a non-integer id is as good as none
            }
        }
        if (model.tokenizer() != null) {
            int id = bos ? model.tokenizer().bos() : model.tokenizer().eos();
            if (id >= 0) return id;
        }
        return null;
    }

    private static void copySideFiles(Path source, Path dir) {
        if (source == null || !Files.isDirectory(source)) return;
        try {
            if (Files.exists(dir) && Files.isSameFile(source, dir)) return;
        } catch (java.io.IOException e) {
            throw new PithException(dir + ": cannot be compared with " + source + " (" + e.getMessage() + ").", e);
        }
        for (String name : SIDE_FILES) {
            Path from = source.resolve(name);
            if (Files.isRegularFile(from)) AtomicFile.write(dir.resolve(name), out -> Files.copy(from, out));
        }
    }
}
