package dev.pith.cli;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;
import dev.pith.core.quant.RowEncoder;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.tokenizer.Tokenizer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A randomly initialised Llama-family model: every matrix and bias N(0, std²), every norm weight 1,
 * stored directly in the requested type (norms stay F32 as llama.cpp keeps them). Each row has its
 * own random stream derived from the seed, the tensor's index and the row, so the result is the
 * same for any thread count. Tensor data lives off-heap until the model is closed.
 */
final class RandomModel {
    private RandomModel() {}

    static Model create(ModelConfig c, Tokenizer tokenizer, DType type, long seed, float std, Path name) {
        Arena arena = Arena.ofShared();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        int[] index = {0};
        Builder b = (n, cols, rows, norm) -> {
            DType t = norm ? DType.F32 : RowEncoder.typeForRow(type, cols);
            tensors.put(n, fill(arena, n, t, cols, rows, norm, std, seed, index[0]++));
        };
        boolean qwen = c.architecture().equals("qwen2");
        b.add("token_embd.weight", c.dim(), c.vocabSize(), false);
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            b.add(p + "attn_norm.weight", c.dim(), 1, true);
            b.add(p + "attn_q.weight", c.dim(), c.qDim(), false);
            b.add(p + "attn_k.weight", c.dim(), c.kvDim(), false);
            b.add(p + "attn_v.weight", c.dim(), c.kvDim(), false);
            if (qwen) {
                // Biases are vectors: llama.cpp keeps them F32 like the norms.
                tensors.put(p + "attn_q.bias", fill(arena, p + "attn_q.bias", DType.F32, c.qDim(), 1, false, std, seed, index[0]++));
                tensors.put(p + "attn_k.bias", fill(arena, p + "attn_k.bias", DType.F32, c.kvDim(), 1, false, std, seed, index[0]++));
                tensors.put(p + "attn_v.bias", fill(arena, p + "attn_v.bias", DType.F32, c.kvDim(), 1, false, std, seed, index[0]++));
            }
            b.add(p + "attn_output.weight", c.qDim(), c.dim(), false);
            b.add(p + "ffn_norm.weight", c.dim(), 1, true);
            b.add(p + "ffn_gate.weight", c.dim(), c.ffnDim(), false);
            b.add(p + "ffn_up.weight", c.dim(), c.ffnDim(), false);
            b.add(p + "ffn_down.weight", c.ffnDim(), c.dim(), false);
        }
        b.add("output_norm.weight", c.dim(), 1, true);
        if (!c.tiedEmbeddings()) b.add("output.weight", c.dim(), c.vocabSize(), false);
        return new Model(c, tensors, tokenizer, Map.of(), name, List.of(arena::close));
    }

    @FunctionalInterface
    private interface Builder {
        void add(String name, int cols, int rows, boolean norm);
    }

    private static Tensor fill(Arena arena, String name, DType type, int cols, int rows, boolean ones, float std, long seed, int tensorIndex) {
        long rowBytes = type.bytesFor(cols);
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        Parallel.forRange(rows, 16, (from, to) -> {
            float[] row = new float[cols];
            for (int r = from; r < to; r++) {
                if (ones) {
                    java.util.Arrays.fill(row, 1f);
                } else {
                    SplittableRandom rng = new SplittableRandom(mix(seed, tensorIndex, r));
                    for (int i = 0; i < cols; i++) row[i] = (float) (rng.nextGaussian() * std);
                }
                RowEncoder.encode(type, row, 0, cols, data, r * rowBytes);
            }
        });
        long[] shape = rows == 1 ? new long[]{cols} : new long[]{cols, rows};
        return new Tensor(name, type, shape, data);
    }

    /** A well-spread 64-bit seed per (seed, tensor, row): SplitMix64's finaliser over the three. */
    static long mix(long seed, int tensor, int row) {
        long z = seed * 0x9E3779B97F4A7C15L + ((long) tensor << 32 | (row & 0xffffffffL));
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
