package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.quant.Bytes;
import dev.pith.core.quant.Dequantizer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.pith.core.kernel.DotVector.B;
import static dev.pith.core.kernel.DotVector.F;
import static dev.pith.core.kernel.DotVector.L;
import static dev.pith.core.kernel.DotVector.S;

/**
 * Matrix × many vectors (prompt processing) as a packed GEMM in the GotoBLAS/BLIS style:
 * {@code out[t*rows + r] = Σ_k x[t*cols + k] · W(r, k)} for a weight tensor W of any type
 * {@link Dequantizer} reads.
 *
 * <p>For each block of KC columns (256: one K-quant super-block, eight legacy blocks), a thread
 * decodes a block of up to NC weight rows into panels of NR rows (two float vectors wide), k-major:
 * this is the only place the weight type matters (F32 copied, F16/BF16 widened, quants
 * dequantized), so one float micro-kernel serves every type and decoding is paid once per weight
 * per call, not once per activation vector. The activations are packed once per call into panels
 * of MR vectors, k-major. The micro-kernel keeps an MR × NR tile of the output (8 vectors × 32
 * rows: 16 accumulators) in registers while it streams one activation panel against one weight
 * panel (KC·NR floats, resident in L1). Pack buffers are per thread and reused: a warm call
 * allocates nothing.
 *
 * <p>Numerics, a decision taken for issue 4: prompt products do NOT reproduce the single-vector
 * products bit for bit (llama.cpp's batched path does not either). They agree within float
 * tolerance: float weights meet the same activations as {@link MatMul} (rounded to fp16/bf16 for
 * F16/BF16 weights), summed in another order. Q8_0/Q4_0/Q5_0 weights go through {@link #runBlocks},
 * which computes what ggml computes: Q8_0 activations, the exact integer sum of each 32-value
 * block, then one FMA per block with d_w·d_x, in {@link BlockTile}'s register tile (block sums in
 * registers, the output tile scale-added at each block end). (Dequantizing both sides to floats and summing all
 * cols products in float, {@link #run} on a quantized type, rounds every product: on
 * stories260K-q8_0 that moved perplexity 0.106 % from llama.cpp's; the integer path is 0.005 % from
 * it.) Other quantized types are dequantized by {@link #run} only where the caller asks for it
 * ({@code -Dpith.matmul.gemm=all}). Every output
 * element is computed by one task, over the KC blocks in order, whatever the thread count, so
 * results are deterministic. {@link #reference} is the plain scalar twin of these numerics.
 */
final class PackedGemm {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final java.lang.foreign.ValueLayout.OfShort F16_LAYOUT = java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    /** Q5_0's 32 high bits. A constant: {@code withOrder} at each block made a new layout and looked its VarHandle up (8 % of a smollm2 Q4_K_M prompt, whose 576-wide rows fall back to Q5_0). */
    static final java.lang.foreign.ValueLayout.OfInt I32_LAYOUT = java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    /** Register tile: MR activation vectors × NR weight rows (two float vectors). */
    static final int MR = MicroKernel.MR, NR = MicroKernel.NR;
    /** Cache blocks: KC columns, up to MC activation vectors (an L2-resident slice of the activation pack), up to NC weight rows. */
    static final int KC = 256, MC = 256, NC = 512;
    /** Below this many multiply-adds a product runs on the calling thread: a fork costs more. */
    private static final long PARALLEL_THRESHOLD = 1 << 16;

    /** One thread's weight pack, decode scratch and edge tile, reused by every call on that thread. */
    private static final class Packs {
        final float[] w = new float[KC * NC];
        final float[] rows = new float[NR * KC];
        final float[] tile = new float[MR * NR];
        /** Integer path: per panel of NR rows and per quant block of the KC block, the rows' scales d_w. */
        final float[] dw = new float[NC / NR * (KC / BlockTile.QK) * NR];
        /** Gather offsets for the transpose: lane j → j·KC. */
        final int[] idx = new int[L];

        Packs() {
            for (int j = 0; j < L; j++) idx[j] = j * KC;
        }
    }

    private static final ThreadLocal<Packs> PACKS = ThreadLocal.withInitial(Packs::new);
    /** The caller's activation pack, grown to the largest product seen. */
    private static final ThreadLocal<float[][]> X_PACK = ThreadLocal.withInitial(() -> new float[][]{new float[0], new float[0]});

    private PackedGemm() {}

    /** Whether this machine's vectors suit the kernel and the type can be decoded. */
    static boolean supports(DType type) {
        return DotVector.AVAILABLE && Dequantizer.supports(type);
    }

    /**
     * Whether {@link #runBlocks} covers the type: weights whose blocks are 32 signed integers times
     * one fp16 scale (Q8_0, Q4_0 as q − 8, Q5_0 as q − 16), the types ggml multiplies with Q8_0 activations by
     * per-block integer sums and nothing else (no min term).
     */
    static boolean supportsBlocks(DType type) {
        return DotVector.AVAILABLE && DotVector.L == 16 && (type == DType.Q8_0 || type == DType.Q4_0 || type == DType.Q5_0);
    }

    /**
     * The quantized prompt product with ggml's numerics: {@code out[t*rows + r] = Σ_b fma-accumulated
     * (d_w(r,b)·d_x(t,b)) · Σ_{k in b} q_w(r,k)·q_x(t,k)}, blocks b in column order, where a holds
     * the activations already quantized to Q8_0 ({@link Activations#values} the quants as floats,
     * {@link Activations#d} the block scales). {@link #referenceBlocks} is its scalar twin, bit for bit.
     */
    static void runBlocks(DType type, MemorySegment w, long rowBytes, int rows, int cols, Activations a, int n, float[] out) {
        runBlocks(type, w, rowBytes, rows, cols, a, n, out, null, null);
    }

    /**
     * {@link #runBlocks} reading the weight panels of whole row groups from the tensor's packed copy
     * ({@code kind}'s layout, see {@link PackedGroups#panelBlock}) where it has one: the same values,
     * so the same results, and the mapped file's pages need not come back once generation made the copy.
     */
    static void runBlocks(DType type, MemorySegment w, long rowBytes, int rows, int cols, Activations a, int n, float[] out,
                          PackedGroups kind, MemorySegment packed) {
        boolean panels = packed != null && NR == PackedGroups.G;
        int packedRows = panels ? rows / NR * NR : 0;
        if (type == DType.Q4_0 && packedRows > 0 && LaneBands.ENABLED) {
            // Whole groups in 16-bit lanes straight from the copy (BlockTile's bits, faster); the rest from the file.
            Q4_0LaneGemm.run(packed, packedRows / NR, rows, cols, a, n, out);
            if (packedRows < rows) drive(type, new Source(w, rowBytes, null, null, 0), rows, cols, a.values, a.d, n, out, packedRows);
            return;
        }
        drive(type, new Source(w, rowBytes, kind, packed, packedRows), rows, cols, a.values, a.d, n, out, 0);
    }

    /** {@link #runBlocks} for rows [rowStart, rows) only (rowStart a multiple of NR; out's stride still rows), from the file. */
    static void runBlocksFrom(DType type, MemorySegment w, long rowBytes, int rows, int cols, Activations a, int n, float[] out, int rowStart) {
        if (rowStart < rows) drive(type, new Source(w, rowBytes, null, null, 0), rows, cols, a.values, a.d, n, out, rowStart);
    }

    /**
     * {@code out[t*rows + r] = Σ_k x[t*cols + k] · W(r, k)}, W's row r at byte {@code r·rowBytes} of
     * {@code w}; cols a multiple of the type's block size.
     */
    static void run(DType type, MemorySegment w, long rowBytes, int rows, int cols, float[] x, int n, float[] out) {
        drive(type, new Source(w, rowBytes, null, null, 0), rows, cols, x, null, n, out, 0);
    }

    /** Packs, splits and runs either kernel: the float one when dx is null, else the per-block integer one with dx the Q8_0 scales. */
    /** The weights: the file's rows, and where there is one, the packed copy of its first packedRows rows. */
    private record Source(MemorySegment w, long rowBytes, PackedGroups kind, MemorySegment packed, int packedRows) {}

    /** Rows [rowStart, rows) of the product (rowStart a multiple of NR), out's stride still rows. */
    private static void drive(DType type, Source src, int rows, int cols, float[] x, float[] dx, int n, float[] out, int rowStart) {
        // Panel width: the float tile's MR vectors or the integer tile's (both 8 now; a 6-wide integer tile was tried).
        int mr = dx == null ? MR : BlockTile.MR;
        int npad = (n + mr - 1) / mr * mr;
        float[][] holder = X_PACK.get();
        if (holder[0].length < (long) npad * cols) holder[0] = new float[npad * cols];
        float[] xp = holder[0];
        boolean fork = Parallel.threads() > 1 && (long) rows * cols * n >= PARALLEL_THRESHOLD;
        // Vectors pack independently: split over the threads when the product forks anyway.
        if (fork && npad > mr) Parallel.forRange(npad / mr, 1, (a, b) -> packActivations(x, n, cols, npad, mr, xp, a * mr, b * mr));
        else packActivations(x, n, cols, npad, mr, xp, 0, npad);
        float[] dxp = null;
        if (dx != null) {
            int nb = cols / BlockTile.QK;
            if (holder[1].length < npad * nb) holder[1] = new float[npad * nb];
            dxp = holder[1];
            // Block b's scales of every vector side by side (vectors past n: 0), so a tile reads its mr in a row.
            float[] dst = dxp;
            Parallel.RangeBody scales = (from, to) -> {
                for (int b = from; b < to; b++) {
                    for (int t = 0; t < npad; t++) dst[b * npad + t] = t < n ? dx[t * nb + b] : 0f;
                }
            };
            if (fork) Parallel.forRange(nb, 1, scales);
            else scales.run(0, nb);
        }
        float[] finalDxp = dxp;

        // Split the weight rows first (each weight is then decoded once), into blocks of equal numbers
        // of NR-row panels, as many as the threads (or a multiple, when a block would pass NC rows):
        // fixed NC-row blocks left 4 blocks of 160/160/160/96 rows for 576 rows, or 3 for 192, so one
        // thread idled at the end of most products (the pool's spin was 5 % of a smollm2 prompt). Only
        // when there are fewer panels than threads also split the activation vectors into bands.
        int threads = fork ? Parallel.threads() : 1;
        int panels = (rows - rowStart + NR - 1) / NR, maxPanels = NC / NR;
        int blocks = Math.min(panels, (panels + threads * maxPanels - 1) / (threads * maxPanels) * threads);
        int bands = blocks >= threads ? 1 : Math.max(1, Math.min(npad / mr, (threads + blocks - 1) / blocks));
        int bandVectors = ((npad + bands - 1) / bands + mr - 1) / mr * mr;
        bands = (npad + bandVectors - 1) / bandVectors;
        int tasks = blocks * bands;
        int finalBands = bands, finalBlocks = blocks;
        Parallel.RangeBody body = (from, to) -> {
            Packs packs = PACKS.get();
            for (int task = from; task < to; task++) {
                int rb = task / finalBands, t0 = (task % finalBands) * bandVectors;
                int r0 = rowStart + (int) ((long) rb * panels / finalBlocks) * NR;
                int r1 = Math.min(rows, rowStart + (int) ((long) (rb + 1) * panels / finalBlocks) * NR);
                block(packs, type, src, rows, cols, xp, finalDxp, npad, n, out,
                        r0, r1 - r0, t0, Math.min(bandVectors, n - t0));
            }
        };
        if (fork && tasks > 1) Parallel.forRange(tasks, 1, body);
        else body.run(0, tasks);
    }

    /** Weight rows [r0, r0+nr) × activation vectors [t0, t0+tn): per KC block, decode the weights once, then every MR-vector panel. */
    private static void block(Packs packs, DType type, Source src, int rows, int cols, float[] xp, float[] dxp,
                              int npad, int n, float[] out, int r0, int nr, int t0, int tn) {
        float[] wp = packs.w;
        for (int pc = 0; pc < cols; pc += KC) {
            int kc = Math.min(KC, cols - pc);
            boolean load = pc > 0;
            if (dxp != null) {
                packBlockWeights(packs, type, src, cols, r0, nr, pc, kc);
                blockProducts(packs, xp, dxp, npad, n, out, rows, r0, nr, t0, tn, pc, kc);
                continue;
            }
            packWeights(packs, type, src.w(), src.rowBytes(), r0, nr, pc, kc);
            int xBase = pc * npad; // every earlier KC block is a whole KC × npad
            for (int ic = t0; ic < t0 + tn; ic += MC) {
                int mc = Math.min(MC, t0 + tn - ic);
                for (int jr = 0; jr < nr; jr += NR) {
                    int nrr = Math.min(NR, nr - jr);
                    int bo = (jr / NR) * kc * NR;
                    for (int ir = ic; ir < ic + mc; ir += MR) {
                        int mr = Math.min(MR, n - ir);
                        int ao = xBase + (ir / MR) * kc * MR;
                        int co = ir * rows + r0 + jr;
                        if (mr == MR && nrr == NR) MicroKernel.kernel(xp, ao, wp, bo, kc, out, co, rows, load);
                        else MicroKernel.edge(packs.tile, xp, ao, wp, bo, kc, out, co, rows, load, mr, nrr);
                    }
                }
            }
        }
    }

    /** The integer path's loops over one KC block: every MR-vector panel against every NR-row panel. */
    private static void blockProducts(Packs packs, float[] xp, float[] dxp, int npad, int n, float[] out, int rows,
                                      int r0, int nr, int t0, int tn, int pc, int kc) {
        int xBase = pc * npad, dBase = pc / BlockTile.QK * npad, blocks = kc / BlockTile.QK, tm = BlockTile.MR;
        boolean load = pc > 0;
        for (int jr = 0; jr < nr; jr += NR) {
            int nrr = Math.min(NR, nr - jr);
            int bo = (jr / NR) * kc * NR, bdo = (jr / NR) * blocks * NR;
            for (int ir = t0; ir < t0 + tn; ir += tm) {
                int mr = Math.min(tm, n - ir);
                int ao = xBase + (ir / tm) * kc * tm, ado = dBase + ir;
                int co = ir * rows + r0 + jr;
                // Every tile through the contiguous scratch tile: its block-end read-modify-writes then
                // never alias the panels' loads at a 4 KiB stride (out's rows are rows·4 bytes apart).
                BlockTile.edge(packs.tile, xp, ao, dxp, ado, npad, packs.w, bo, packs.dw, bdo, kc, out, co, rows, load, mr, nrr);
            }
        }
    }

    /**
     * The integer path's weight pack: rows [r0, r0+nr), columns [pc, pc+kc) as their integer quants
     * (Q8_0: q; Q4_0: q − 8) in k-major panels of NR rows, and each block's fp16 scale beside them.
     */
    private static void packBlockWeights(Packs packs, DType type, Source src, int cols, int r0, int nr, int pc, int kc) {
        float[] scratch = packs.rows, dst = packs.w, dw = packs.dw;
        MemorySegment w = src.w();
        long rowBytes = src.rowBytes();
        int qk = BlockTile.QK, blocks = kc / qk;
        long colBytes = (long) pc / qk * type.blockBytes();
        for (int jr = 0; jr < nr; jr += NR) {
            int rowsHere = Math.min(NR, nr - jr);
            int dBase = (jr / NR) * blocks * NR;
            if (r0 + jr + NR <= src.packedRows()) {
                // A whole group of the packed copy (panels start at multiples of NR = G rows): already k-major.
                int d = (jr / NR) * kc * NR;
                for (int b = 0; b < blocks; b++) {
                    src.kind().panelBlock(src.packed(), (r0 + jr) / NR, pc / qk + b, cols / qk, dst, d + b * qk * NR, dw, dBase + b * NR);
                }
                continue;
            }
            for (int j = 0; j < rowsHere; j++) {
                long o = (r0 + jr + j) * rowBytes + colBytes;
                for (int b = 0; b < blocks; b++) dw[dBase + b * NR + j] = decodeQuants(type, w, o + (long) b * type.blockBytes(), scratch, j * KC + b * qk);
            }
            for (int j = rowsHere; j < NR; j++) {
                java.util.Arrays.fill(scratch, j * KC, j * KC + kc, 0f);
                for (int b = 0; b < blocks; b++) dw[dBase + b * NR + j] = 0f;
            }
            int d = (jr / NR) * kc * NR;
            for (int p = 0; p < kc; p++) {
                int o = d + p * NR;
                FloatVector.fromArray(F, scratch, p, packs.idx, 0).intoArray(dst, o);
                FloatVector.fromArray(F, scratch, p + L * KC, packs.idx, 0).intoArray(dst, o + L);
            }
        }
    }

    /** One Q8_0/Q4_0/Q5_0 block at byte p: its 32 integer quants (Q4_0 centred: q − 8, Q5_0: q − 16) as floats into dst[off...]; returns its scale. */
    private static float decodeQuants(DType type, MemorySegment w, long p, float[] dst, int off) {
        if (type == DType.Q5_0) {
            // Q5_0 (Q4_K_M files' fallback for rows not a multiple of 256): value k = nibble | bit k of qh << 4, minus 16,
            // as DotVector.q5_0 makes it: the 16 quant bytes as int lanes, bit k of qh moved to bit 4, and one
            // two-table permute to the float of the value minus 16 (exact integers: q5_0's values, which
            // referenceBlocks uses). The per-value scalar loop was 6 % of a smollm2 Q4_K_M prompt.
            int qh = w.get(I32_LAYOUT, p + 2);
            IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, p + 6, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, DotVector.I, 0);
            IntVector h = IntVector.broadcast(DotVector.I, qh);
            DotVector.q5_0Floats(q.and(0xF), h, DotVector.LANE).intoArray(dst, off);
            DotVector.q5_0Floats(q.lanewise(VectorOperators.LSHR, 4), h, DotVector.LANE_16).intoArray(dst, off + 16);
        } else if (type == DType.Q8_0) {
            DotVector.toFloat(ByteVector.fromMemorySegment(B, w, p + 2, LE)).intoArray(dst, off);
            DotVector.toFloat(ByteVector.fromMemorySegment(B, w, p + 18, LE)).intoArray(dst, off + 16);
        } else {
            ByteVector qv = ByteVector.fromMemorySegment(B, w, p + 2, LE);
            DotVector.toFloat(qv.and((byte) 0xF).sub((byte) 8)).intoArray(dst, off);
            DotVector.toFloat(qv.lanewise(VectorOperators.LSHR, 4).sub((byte) 8)).intoArray(dst, off + 16);
        }
        return Bytes.f16(w, p);
    }

    /** Value k (0..31) of the Q5_0 block at byte p with high bits qh, centred: ((nibble | bit k of qh << 4) − 16). */
    static int q5_0(MemorySegment w, long p, int qh, int k) {
        int b = w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, p + 6 + (k & 15)) & 0xFF;
        int nibble = k < 16 ? b & 0xF : b >>> 4;
        return (nibble | ((qh >>> k) & 1) << 4) - 16;
    }

    /** Vectors [from, to) of x (n vectors of cols) → per KC block, panels of mr vectors, k-major (mr floats per column); vectors past n are zeros. */
    private static void packActivations(float[] x, int n, int cols, int npad, int mr, float[] xp, int from, int to) {
        for (int pc = 0; pc < cols; pc += KC) {
            int kc = Math.min(KC, cols - pc);
            int base = pc * npad;
            for (int t = from; t < to; t++) {
                int d = base + (t / mr) * kc * mr + t % mr;
                if (t < n) {
                    int s = t * cols + pc;
                    for (int p = 0; p < kc; p++) xp[d + p * mr] = x[s + p];
                } else {
                    for (int p = 0; p < kc; p++) xp[d + p * mr] = 0f;
                }
            }
        }
    }

    /** Weight rows [r0, r0+nr), columns [pc, pc+kc) → panels of NR rows, k-major (NR floats per column); short panels zero-padded. */
    private static void packWeights(Packs packs, DType type, MemorySegment w, long rowBytes, int r0, int nr, int pc, int kc) {
        float[] scratch = packs.rows, dst = packs.w;
        long colBytes = (long) pc / type.blockSize() * type.blockBytes();
        for (int jr = 0; jr < nr; jr += NR) {
            int rowsHere = Math.min(NR, nr - jr);
            for (int j = 0; j < rowsHere; j++) decode(type, w, (r0 + jr + j) * rowBytes + colBytes, scratch, j * KC, kc);
            for (int j = rowsHere; j < NR; j++) java.util.Arrays.fill(scratch, j * KC, j * KC + kc, 0f);
            // Transpose row-major scratch into the k-major panel: one gather per L rows of a column.
            int d = (jr / NR) * kc * NR;
            for (int p = 0; p < kc; p++) {
                int o = d + p * NR;
                FloatVector.fromArray(F, scratch, p, packs.idx, 0).intoArray(dst, o);
                FloatVector.fromArray(F, scratch, p + L * KC, packs.idx, 0).intoArray(dst, o + L);
            }
        }
    }

    /** count values of one weight row from byte o as floats, exactly as {@link Dequantizer} gives them; the common types vectorised. */
    static void decode(DType type, MemorySegment w, long o, float[] dst, int off, int count) {
        int vecEnd = count - count % L;
        switch (type) {
            case F32 -> {
                for (int i = 0; i < vecEnd; i += L) FloatVector.fromMemorySegment(F, w, o + 4L * i, LE).intoArray(dst, off + i);
                for (int i = vecEnd; i < count; i++) dst[off + i] = Bytes.f32(w, o + 4L * i);
            }
            case F16 -> {
                // Java's own conversion, which C2 turns into the CPU's vcvtph2ps and vectorises: faster than the bit-manipulating halfToFloat.
                for (int i = 0; i < count; i++) dst[off + i] = Float.float16ToFloat(w.get(F16_LAYOUT, o + 2L * i));
            }
            case BF16 -> {
                for (int i = 0; i < vecEnd; i += L) DotVector.bf16ToFloat(ShortVector.fromMemorySegment(S, w, o + 2L * i, LE)).intoArray(dst, off + i);
                for (int i = vecEnd; i < count; i++) dst[off + i] = Bytes.bf16(w, o + 2L * i);
            }
            case Q8_0 -> {
                if (L != 16) { Dequantizer.dequantize(type, w, o, dst, off, count); return; }
                for (int b = 0; b < count / 32; b++) {
                    long p = o + 34L * b;
                    float d = Bytes.f16(w, p);
                    DotVector.toFloat(ByteVector.fromMemorySegment(B, w, p + 2, LE)).mul(d).intoArray(dst, off + 32 * b);
                    DotVector.toFloat(ByteVector.fromMemorySegment(B, w, p + 18, LE)).mul(d).intoArray(dst, off + 32 * b + 16);
                }
            }
            case Q4_0 -> {
                if (L != 16) { Dequantizer.dequantize(type, w, o, dst, off, count); return; }
                for (int b = 0; b < count / 32; b++) {
                    long p = o + 18L * b;
                    float d = Bytes.f16(w, p);
                    ByteVector qv = ByteVector.fromMemorySegment(B, w, p + 2, LE);
                    DotVector.toFloat(qv.and((byte) 0xF).sub((byte) 8)).mul(d).intoArray(dst, off + 32 * b);
                    DotVector.toFloat(qv.lanewise(VectorOperators.LSHR, 4).sub((byte) 8)).mul(d).intoArray(dst, off + 32 * b + 16);
                }
            }
            default -> Dequantizer.dequantize(type, w, o, dst, off, count);
        }
    }

    /**
     * The plain scalar twin of these numerics: each weight row dequantized by {@link Dequantizer},
     * multiplied with the given activations in float, summed in column order.
     */
    static void reference(DType type, MemorySegment w, long rowBytes, int rows, int cols, float[] x, int n, float[] out) {
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            Dequantizer.dequantize(type, w, r * rowBytes, row, 0, cols);
            for (int t = 0; t < n; t++) {
                float s = 0;
                for (int k = 0; k < cols; k++) s += x[t * cols + k] * row[k];
                out[t * rows + r] = s;
            }
        }
    }

    /**
     * The scalar twin of {@link #runBlocks}, bit for bit: x quantized to Q8_0 as llama.cpp does, then
     * per row and vector, block by block, the exact integer sum of q_w·q_x scaled by d_w·d_x and
     * accumulated with an FMA in column order.
     */
    static void referenceBlocks(DType type, MemorySegment w, long rowBytes, int rows, int cols, float[] x, int n, float[] out) {
        int nb = cols / 32;
        byte[] qx = new byte[n * cols];
        float[] dx = new float[n * nb];
        dev.pith.core.quant.ActivationQuantizer.q8_0(x, 0, n * cols, qx, 0, dx, 0);
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < n; t++) {
                float s = 0;
                for (int b = 0; b < nb; b++) {
                    long p = r * rowBytes + (long) b * type.blockBytes();
                    int isum = 0;
                    for (int k = 0; k < 32; k++) {
                        int q = type == DType.Q5_0 ? q5_0(w, p, w.get(I32_LAYOUT, p + 2), k)
                                : type == DType.Q8_0 ? w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, p + 2 + k)
                                : (k < 16 ? (w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, p + 2 + k) & 0xF)
                                          : ((w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, p + 2 + k - 16) & 0xFF) >> 4)) - 8;
                        isum += q * qx[t * cols + 32 * b + k];
                    }
                    float d = Bytes.f16(w, p) * dx[t * nb + b];
                    s = Math.fma((float) isum, d, s);
                }
                out[t * rows + r] = s;
            }
        }
    }
}
