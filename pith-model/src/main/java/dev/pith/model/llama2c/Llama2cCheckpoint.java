package dev.pith.model.llama2c;

import dev.pith.core.DType;
import dev.pith.core.Mapped;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.ModelConfig;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads Karpathy's llama2.c checkpoints (the legacy "version 0" export of run.c): a header of seven
 * int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a negative vocab size
 * means the classifier is stored separately), then float32 weights in a fixed order. Tensors are
 * slices of the mapped file, given their GGUF names; llama2.c rotates adjacent pairs, which is
 * GGUF's "llama" layout, so no permutation is needed.
 */
public final class Llama2cCheckpoint {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int HEADER_BYTES = 7 * 4;

    private Llama2cCheckpoint() {}

    /** The parsed checkpoint: its configuration and tensors (slices of {@code mapped}). */
    public record Contents(ModelConfig config, Map<String, Tensor> tensors, Mapped mapped) {}

    public static Contents read(Path path) {
        Mapped mapped = Mapped.open(path);
        try {
            return parse(path, mapped);
        } catch (RuntimeException e) {
            mapped.close();
            throw e;
        }
    }

    private static Contents parse(Path path, Mapped mapped) {
        MemorySegment seg = mapped.segment();
        long size = seg.byteSize();
        if (size < HEADER_BYTES) throw new PithException(path + " is too short to be a llama2.c checkpoint (" + size + " bytes).");
        int dim = seg.get(I32, 0), hidden = seg.get(I32, 4), layers = seg.get(I32, 8), heads = seg.get(I32, 12),
                kvHeads = seg.get(I32, 16), vocabSigned = seg.get(I32, 20), seqLen = seg.get(I32, 24);
        boolean shared = vocabSigned > 0;
        int vocab = Math.abs(vocabSigned);
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab <= 0 || seqLen <= 0
                || dim > 1 << 16 || hidden > 1 << 18 || layers > 1024 || heads > dim || kvHeads > heads || vocab > 1 << 22 || seqLen > 1 << 22
                || dim % heads != 0 || heads % kvHeads != 0)
            throw new PithException(path + " does not have a valid llama2.c header (dim " + dim + ", hidden " + hidden + ", layers " + layers
                    + ", heads " + heads + ", kv heads " + kvHeads + ", vocab " + vocabSigned + ", seq_len " + seqLen + ").");
        int headDim = dim / heads;
        int kvDim = kvHeads * headDim;

        Map<String, Tensor> t = new LinkedHashMap<>();
        long[] off = {HEADER_BYTES};
        // Reads consecutive float32 blocks; each per-layer array is stored for all layers back to back.
        java.util.function.BiFunction<String, long[], Tensor> take = (name, shape) -> {
            long n = Tensor.elementCount(shape) * 4;
            if (off[0] + n > size) throw new PithException(path + " is truncated: it ends inside " + name + " (needs " + (off[0] + n) + " bytes, has " + size + ").");
            Tensor x = new Tensor(name, DType.F32, shape, seg.asSlice(off[0], n));
            off[0] += n;
            return x;
        };
        Tensor embd = take.apply("token_embd.weight", new long[]{dim, vocab});
        String[][] perLayer = {
                {"attn_norm.weight"}, {"attn_q.weight"}, {"attn_k.weight"}, {"attn_v.weight"}, {"attn_output.weight"},
                {"ffn_norm.weight"}, {"ffn_gate.weight"}, {"ffn_down.weight"}, {"ffn_up.weight"}};
        long[][] shapes = {
                {dim}, {dim, dim}, {dim, kvDim}, {dim, kvDim}, {dim, dim},
                {dim}, {dim, hidden}, {hidden, dim}, {dim, hidden}};
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (int k = 0; k < perLayer.length; k++) {
            for (int l = 0; l < layers; l++) {
                String name = "blk." + l + "." + perLayer[k][0];
                byName.put(name, take.apply(name, shapes[k]));
            }
        }
        Tensor finalNorm = take.apply("output_norm.weight", new long[]{dim});
        // freq_cis_real and freq_cis_imag: seq_len × head_dim/2 each; Pith computes RoPE itself.
        off[0] += 2L * seqLen * (headDim / 2) * 4;
        Tensor cls = embd.renamed("output.weight");
        if (!shared) cls = take.apply("output.weight", new long[]{dim, vocab});
        else if (off[0] > size) throw new PithException(path + " is truncated: it ends inside the RoPE tables.");

        t.put("token_embd.weight", embd);
        t.put("output_norm.weight", finalNorm);
        t.put("output.weight", cls);
        for (int l = 0; l < layers; l++) {
            for (String[] n : perLayer) {
                String name = "blk." + l + "." + n[0];
                t.put(name, byName.get(name));
            }
        }
        ModelConfig config = new ModelConfig("llama", dim, layers, heads, kvHeads, headDim, hidden, vocab, seqLen,
                1e-5f, 10000f, headDim, false, null, false);
        return new Contents(config, t, mapped);
    }
}
