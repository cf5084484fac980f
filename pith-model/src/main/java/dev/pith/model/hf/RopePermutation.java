package dev.pith.model.hf;

import dev.pith.core.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Reorders the rows of q_proj / k_proj between Hugging Face's rotary layout and GGUF's "llama" one.
 *
 * <p>Transformers rotates dimension i of a head with dimension i + d/2 (rotate_half, the NeoX
 * pairing); ggml's normal rope rotates 2i with 2i+1. llama.cpp's converter therefore permutes the
 * rows of every head of q and k for the llama architecture: viewing the head's d rows as [2][d/2]
 * and transposing to [d/2][2], so GGUF row 2i+j is HF row j·d/2 + i. Qwen2 is converted with NeoX
 * rope and is not permuted. For k the heads are the key/value heads. A pure row reordering, so the
 * permutation and its inverse give back every byte.
 */
final class RopePermutation {
    private RopePermutation() {}

    /** HF rows → GGUF rows (what llama.cpp's converter does to q_proj/k_proj weights and biases). */
    static Tensor toGguf(Tensor t, int heads) { return permute(t, heads, true); }

    /** GGUF rows → HF rows (the inverse). */
    static Tensor toHf(Tensor t, int heads) { return permute(t, heads, false); }

    private static Tensor permute(Tensor t, int heads, boolean toGguf) {
        // The permuted dimension is the slowest one: rows of a matrix, elements of a bias vector.
        long rows = t.rank() == 1 ? t.dim(0) : t.rows();
        long rowBytes = t.rank() == 1 ? t.type().bytesFor(1) : t.rowBytes();
        if (rows % heads != 0 || (rows / heads) % 2 != 0)
            throw new IllegalArgumentException(t.name() + ": " + rows + " rows do not split into " + heads + " heads of even width");
        long headDim = rows / heads, half = headDim / 2;
        MemorySegment src = t.data();
        // Fresh native memory, 64-byte aligned like a mapped file's pages, freed by the GC with the tensor.
        MemorySegment dst = Arena.ofAuto().allocate(src.byteSize(), 64);
        for (long h = 0; h < heads; h++) {
            long base = h * headDim;
            for (long i = 0; i < half; i++) {
                for (long j = 0; j < 2; j++) {
                    long ggufRow = base + 2 * i + j;
                    long hfRow = base + j * half + i;
                    long from = toGguf ? hfRow : ggufRow;
                    long to = toGguf ? ggufRow : hfRow;
                    MemorySegment.copy(src, from * rowBytes, dst, to * rowBytes, rowBytes);
                }
            }
        }
        return new Tensor(t.name(), t.type(), t.shape(), dst);
    }
}
