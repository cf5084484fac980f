package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;

import java.lang.foreign.MemorySegment;

/**
 * The loop shared by {@link MatMul} and {@link MatMulScalar}: prepare the activations once per
 * call, then split the weight rows across threads; each row is read once and multiplied with
 * every activation vector while it is in cache.
 */
final class RowProducts {
    /** One row (at byte {@code off}) times activation vector {@code t}. */
    @FunctionalInterface
    interface RowDot {
        float dot(DType type, MemorySegment w, long off, Activations a, int t, int cols);
    }

    /** Below this many multiply-adds a product runs on the calling thread: a fork costs more. */
    private static final long PARALLEL_THRESHOLD = 1 << 16;

    /**
     * From this many activation vectors on, {@link PackedGemm} replaces the bit-exact tiles (its
     * packing costs are amortised over the vectors; measured with MatMulBench, see bench/RESULTS.md).
     */
    static final int GEMM_MIN_VECTORS = 8;
    /**
     * Which prompt products go through {@link PackedGemm} ({@code -Dpith.matmul.gemm=...}):
     * <ul>
     *   <li>{@code auto} (the default): F32/F16/BF16 weights through the float GEMM, Q8_0/Q4_0/Q5_0
     *       weights through its per-block integer path ({@link PackedGemm#runBlocks}), which computes
     *       what ggml computes (Q8_0 activations, exact integer block sums, one FMA per block with
     *       d_w·d_x); the K-quants through {@link KQuantGemm} (same bits as the single dots, see
     *       {@link TiledMatMul}); the other quantized types on the bit-exact tiles.</li>
     *   <li>{@code float}: only F32/F16/BF16 (the default before the integer path).</li>
     *   <li>{@code all}: as auto, plus every other quantized type through the float GEMM on
     *       dequantized weights (faster, but its float products of dequantized values round
     *       differently from ggml's integer block sums).</li>
     *   <li>{@code dequant}: every type through the float GEMM, Q8_0/Q4_0 included (the old
     *       {@code all}, kept to compare numerics: on stories260K-q8_0 its perplexity is 0.106 %
     *       from llama.cpp's, the integer path's 0.005 %).</li>
     *   <li>{@code off}: every prompt on the tiles, bit-identical to one vector at a time.</li>
     * </ul>
     */
    static final String GEMM_TYPES = System.getProperty("pith.matmul.gemm", "auto");

    private static boolean isFloat(DType type) {
        return type == DType.F32 || type == DType.F16 || type == DType.BF16;
    }

    private static boolean useGemm(DType type) {
        return switch (GEMM_TYPES) {
            case "off" -> false;
            case "all", "dequant" -> PackedGemm.supports(type);
            case "float" -> isFloat(type) && PackedGemm.supports(type);
            default -> isFloat(type) ? PackedGemm.supports(type) : PackedGemm.supportsBlocks(type);
        };
    }

    private RowProducts() {}

    static void run(Tensor w, float[] x, int n, float[] out, RowDot kernel) {
        run(w, x, n, out, kernel, false);
    }

    /**
     * As {@link #run(Tensor, float[], int, float[], RowDot)}; {@code tiled}: use {@link PackedGemm}
     * for {@link #GEMM_MIN_VECTORS} vectors or more, {@link TiledMatMul} for fewer, where they apply.
     */
    static void run(Tensor w, float[] x, int n, float[] out, RowDot kernel, boolean tiled) {
        DType type = w.type();
        if (!Dequantizer.supports(type)) {
            throw new PithException("tensor " + w.name() + " has type " + type + ", which Pith cannot multiply yet.");
        }
        int cols = w.cols();
        int rows = w.rows();
        if (n < 1) throw new IllegalArgumentException("need at least one activation vector, got " + n);
        if (x.length < (long) n * cols) {
            throw new IllegalArgumentException(n + " vectors of " + cols + " values need " + (long) n * cols + " floats, x has " + x.length);
        }
        if (out.length < (long) n * rows) {
            throw new IllegalArgumentException(n + " results of " + rows + " rows need " + (long) n * rows + " floats, out has " + out.length);
        }
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        if (tiled && n >= GEMM_MIN_VECTORS && useGemm(type) && PackedGemm.supportsBlocks(type) && !GEMM_TYPES.equals("dequant")) {
            PackedGemm.runBlocks(type, data, rowBytes, rows, cols, Activations.forThread().prepare(type, x, n, cols), n, out);
            return;
        }
        if (tiled && n >= GEMM_MIN_VECTORS && useGemm(type)) {
            // The GEMM meets the activations the single-vector kernels see (fp16/bf16-rounded for
            // F16/BF16 weights, Q8-quantized for quantized weights, as llama.cpp does), as floats.
            float[] xs = Activations.forThread().prepare(type, x, n, cols).asFloats(n);
            PackedGemm.run(type, data, rowBytes, rows, cols, xs, n, out);
            return;
        }
        Activations a = Activations.forThread().prepare(type, x, n, cols);
        if (tiled && TiledMatMul.supports(type, n) && (long) rows * cols * n >= PARALLEL_THRESHOLD) {
            TiledMatMul.run(type, data, rowBytes, rows, cols, a, n, out);
            return;
        }
        // One vector (generation): DecodeRows' kernels where it has them, the same bits as DotVector's.
        Parallel.RangeBody body = tiled && n == 1 && DecodeRows.supports(type)
                ? (from, to) -> DecodeRows.run(type, data, rowBytes, from, to, a, cols, out)
                : (from, to) -> {
            for (int r = from; r < to; r++) {
                long off = r * rowBytes;
                for (int t = 0; t < n; t++) out[t * rows + r] = kernel.dot(type, data, off, a, t, cols);
            }
        };
        if ((long) rows * cols * n < PARALLEL_THRESHOLD) {
            body.run(0, rows);
        } else {
            Parallel.forRange(rows, 4, body);
        }
    }
}
