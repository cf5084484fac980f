package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.model.gguf.GgufFile;
import dev.pith.model.gguf.GgufValue;
import dev.pith.model.gguf.GgufWriter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A random Llama GGUF whose rows are whole K-quant blocks (stories260K's 64-wide rows force
 * fallbacks everywhere): 256 wide, 8 layers (so use_more_bits picks some layers and not others),
 * 8 query heads over 2 KV heads (GQA 4), FFN 512, tied embeddings, stories260K's 512-token
 * tokenizer so llama.cpp loads it. Weight scales vary per row and column so the quantizers'
 * scale searches see uneven data.
 */
final class SyntheticLlama {
    static final int DIM = 256, FFN = 512, LAYERS = 8, HEADS = 8, KV_HEADS = 2;

    static void write(Path out, long seed) {
        try (GgufFile stories = GgufFile.open(LlamaQuantizeOracle.shared("data/models/stories260K-f32.gguf"));
             Arena arena = Arena.ofConfined()) {
            GgufWriter w = new GgufWriter();
            w.putAll(stories.metadata());
            w.put("general.name", GgufValue.string("synthetic"));
            w.put("llama.embedding_length", GgufValue.u32(DIM));
            w.put("llama.feed_forward_length", GgufValue.u32(FFN));
            w.put("llama.block_count", GgufValue.u32(LAYERS));
            w.put("llama.attention.head_count", GgufValue.u32(HEADS));
            w.put("llama.attention.head_count_kv", GgufValue.u32(KV_HEADS));
            w.put("llama.rope.dimension_count", GgufValue.u32(DIM / HEADS));
            SplittableRandom rng = new SplittableRandom(seed);
            int vocab = (int) stories.tensor("token_embd.weight").dim(1);
            int kv = DIM / HEADS * KV_HEADS;
            w.add(matrix(arena, rng, "token_embd.weight", DIM, vocab));
            for (int l = 0; l < LAYERS; l++) {
                String p = "blk." + l + ".";
                w.add(ones(arena, p + "attn_norm.weight", DIM));
                w.add(matrix(arena, rng, p + "attn_q.weight", DIM, DIM));
                w.add(matrix(arena, rng, p + "attn_k.weight", DIM, kv));
                w.add(matrix(arena, rng, p + "attn_v.weight", DIM, kv));
                w.add(matrix(arena, rng, p + "attn_output.weight", DIM, DIM));
                w.add(ones(arena, p + "ffn_norm.weight", DIM));
                w.add(matrix(arena, rng, p + "ffn_gate.weight", DIM, FFN));
                w.add(matrix(arena, rng, p + "ffn_up.weight", DIM, FFN));
                w.add(matrix(arena, rng, p + "ffn_down.weight", FFN, DIM));
            }
            w.add(ones(arena, "output_norm.weight", DIM));
            w.write(out);
        }
    }

    private static Tensor ones(Arena a, String name, int n) {
        MemorySegment s = a.allocate(4L * n, 64);
        for (int i = 0; i < n; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, 1f);
        return new Tensor(name, DType.F32, new long[]{n}, s);
    }

    private static Tensor matrix(Arena a, SplittableRandom rng, String name, int cols, int rows) {
        MemorySegment s = a.allocate(4L * cols * rows, 64);
        float[] colScale = new float[cols];
        for (int c = 0; c < cols; c++) colScale[c] = (float) Math.exp(rng.nextGaussian() * 0.5);
        for (int r = 0; r < rows; r++) {
            double rowScale = 0.02 * Math.exp(rng.nextGaussian() * 0.3);
            for (int c = 0; c < cols; c++) {
                s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, (long) r * cols + c, (float) (rng.nextGaussian() * rowScale * colScale[c]));
            }
        }
        return new Tensor(name, DType.F32, new long[]{cols, rows}, s);
    }
}
