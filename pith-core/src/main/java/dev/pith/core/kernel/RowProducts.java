package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.core.quant.ActivationQuantizer;
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
            if (type == DType.Q5_0 && LaneBands.ENABLED && DotVector.L == 16) {
                // Q5_0 (Q4_K_M's fallback for rows not whole super-blocks): whole groups in 16-bit lanes on a prompt copy.
                MemorySegment copy = Q5_0LaneGemm.copy(w);
                if (copy != null) {
                    Activations a = Activations.forThread().prepare(type, x, n, cols);
                    int groupRows = rows / PackedGroups.G * PackedGroups.G;
                    Q5_0LaneGemm.run(copy, groupRows / PackedGroups.G, rows, cols, a, n, out);
                    PackedGemm.runBlocksFrom(type, data, rowBytes, rows, cols, a, n, out, groupRows);
                    return;
                }
            }
            // Q8_0/Q4_0 panels come from the packed copy generation uses (made here if this is the tensor's first product).
            PackedGroups kind = PackedGroups.of(type);
            MemorySegment packed = kind == null ? null : kind.packed(w);
            PackedGemm.runBlocks(type, data, rowBytes, rows, cols, Activations.forThread().prepare(type, x, n, cols), n, out, kind, packed);
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
        PackedGroups kind = PackedGroups.of(type);
        if (tiled && n >= GEMM_MIN_VECTORS && GEMM_TYPES.equals("auto") && KQuantGemm.supports(type) && TiledMatMul.supports(type, n)
                && (long) rows * cols * n >= PARALLEL_THRESHOLD) {
            // K-quant prompts: the packed GEMM with the single dots' bits (-Dpith.matmul.gemm=off or float keeps the
            // tiles below), its Q4_K/Q6_K panels from the packed copy generation uses (made here if this is the
            // tensor's first product), so the file's pages can go.
            MemorySegment packed = kind == null ? null : kind.packed(w);
            if (type == DType.Q4_K && packed != null && LaneBands.ENABLED) {
                // Q4_K in 16-bit lanes from the copy: the reference's (and generation's) bits, faster than the float panels.
                Q4_KLaneGemm.run(data, rowBytes, packed, rows, cols, a, n, out);
                return;
            }
            if (type == DType.Q6_K && packed != null && LaneBands.ENABLED) {
                Q6_KLaneGemm.run(data, rowBytes, packed, rows, cols, a, n, out);
                return;
            }
            KQuantGemm.run(type, data, rowBytes, rows, cols, a, n, out, kind, packed);
            return;
        }
        if (tiled && kind != null && n < GEMM_MIN_VECTORS) {
            // Generation and short batches of Q8_0/Q4_0/Q4_K/Q6_K: the packed rows, with the scalar
            // reference's bits (TiledMatMul's are DotVector's), split on whole groups.
            MemorySegment packed = kind.packed(w);
            if (packed != null) kind.prepare(a);
            split(rows, (long) rows * cols * n, packed == null ? 1 : PackedGroups.G, (from, to) -> kind.run(w, packed, from, to, a, n, out));
            return;
        }
        if (tiled && TiledMatMul.supports(type, n) && (long) rows * cols * n >= PARALLEL_THRESHOLD) {
            TiledMatMul.run(type, data, rowBytes, rows, cols, a, n, out);
            return;
        }
        // One vector (generation): DecodeRows' kernels where it has them, the same bits as DotVector's.
        if (tiled && n == 1 && type == DType.F16) HalfSpecials.none(w); // the F16 scan, once, here before the split
        Parallel.RangeBody body = tiled && n == 1
                ? (from, to) -> oneVector(w, from, to, a, out, kernel)
                : (from, to) -> {
            for (int r = from; r < to; r++) {
                long off = r * rowBytes;
                for (int t = 0; t < n; t++) out[t * rows + r] = kernel.dot(type, data, off, a, t, cols);
            }
        };
        split(rows, (long) rows * cols * n, body);
    }

    /** Runs body over [0, rows) on the calling thread when the product is small ({@code work} multiply-adds), else over the pool. */
    private static void split(int rows, long work, Parallel.RangeBody body) {
        split(rows, work, 1, body);
    }

    /** As {@link #split(int, long, Parallel.RangeBody)}, the pool's ranges starting at multiples of {@code unit} rows. */
    private static void split(int rows, long work, int unit, Parallel.RangeBody body) {
        if (work < PARALLEL_THRESHOLD) {
            body.run(0, rows);
        } else if (unit == 1) {
            Parallel.forRange(rows, 4, body);
        } else {
            Parallel.forRange((rows + unit - 1) / unit, 1, (a, b) -> body.run(a * unit, Math.min(rows, b * unit)));
        }
    }

    /**
     * What {@link #oneVector} needs made once, on the calling thread, before the rows are split:
     * a Q8_0/Q4_0/Q4_K/Q6_K tensor's packed copy (on its first product) and what its kernel needs from the activations.
     */
    private static boolean prepareOneVector(Tensor w, Activations a) {
        if (w.type() == DType.F16) HalfSpecials.none(w); // its scan, once, on this thread before the split
        PackedGroups kind = PackedGroups.of(w.type());
        if (kind == null || kind.packed(w) == null) return false;
        kind.prepare(a);
        return true;
    }

    /** Rows [from, to) of w times the one prepared vector a, into out[from, to): PackedGroups or DecodeRows where they apply, else the row kernel. */
    private static void oneVector(Tensor w, int from, int to, Activations a, float[] out, RowDot kernel) {
        DType type = w.type();
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        PackedGroups kind = PackedGroups.of(type);
        if (kind != null) {
            kind.run(w, kind.packed(w), from, to, a, 1, out);
            return;
        }
        if (DecodeRows.supports(type)) {
            DecodeRows.run(type, data, rowBytes, from, to, a, a.cols, out, HalfSpecials.none(w));
            return;
        }
        for (int r = from; r < to; r++) out[r] = kernel.dot(type, data, r * rowBytes, a, 0, a.cols);
    }

    /** Whether {@link #runShared} may take a and b in one job: same width, same activation type, both multipliable. */
    static boolean canShare(Tensor a, Tensor b) {
        return a.cols() == b.cols() && Dequantizer.supports(a.type()) && Dequantizer.supports(b.type())
                && ActivationQuantizer.vecDotType(a.type()) == ActivationQuantizer.vecDotType(b.type());
    }

    /**
     * outs[i] = ws[i] · x for i in [first, last), one vector x, matrices that {@link #canShare}: the
     * activations are prepared once and the rows of all the matrices are split over the threads in
     * one job. Generation's q/k/v and gate/up products read the same input; taken one by one, each
     * small product paid its own hand-off to the pool and its own wait for the slowest thread, and
     * the 512-row k/v products ran at half the bandwidth of the FFN's. Every row goes through the
     * same kernel as in {@link #run} (one vector), so the bits are those of separate products.
     */
    static void runShared(Tensor[] ws, int first, int last, float[] x, float[][] outs, RowDot kernel) {
        int cols = ws[first].cols();
        int[] start = new int[last - first + 1];
        for (int i = first; i < last; i++) {
            Tensor w = ws[i];
            if (i > first && !canShare(ws[first], w)) {
                throw new IllegalArgumentException("tensor " + w.name() + " cannot share a product with " + ws[first].name());
            }
            if (!Dequantizer.supports(w.type())) {
                throw new PithException("tensor " + w.name() + " has type " + w.type() + ", which Pith cannot multiply yet.");
            }
            if (x.length < cols) throw new IllegalArgumentException("a vector of " + cols + " values needs " + cols + " floats, x has " + x.length);
            if (outs[i].length < w.rows()) {
                throw new IllegalArgumentException(w.rows() + " results need " + w.rows() + " floats, out has " + outs[i].length);
            }
            start[i - first + 1] = start[i - first] + w.rows();
        }
        Activations a = Activations.forThread().prepare(ws[first].type(), x, 1, cols);
        boolean grouped = false;
        for (int i = first; i < last; i++) grouped |= prepareOneVector(ws[i], a);
        split(start[start.length - 1], (long) start[start.length - 1] * cols, grouped ? PackedGroups.G : 1, (from, to) -> {
            for (int k = 0; k < start.length - 1; k++) {
                int lo = Math.max(from, start[k]), hi = Math.min(to, start[k + 1]);
                if (lo < hi) oneVector(ws[first + k], lo - start[k], hi - start[k], a, outs[first + k], kernel);
            }
        });
    }
}
