package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Mapped;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Bytes;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What the repacked generation kernels ({@link Q8_0Groups}, {@link Q4_0Groups}, {@link Q4_KGroups},
 * {@link Q6_KGroups}) share: the copy of a tensor's rows in groups of {@link #G}, made once per
 * tensor on its first product (a prompt's too) and kept by {@link Tensor#derived}, and the split of a
 * row range into whole groups (the type's vector kernel) and the rows around them (the type's
 * scalar reference, whose bits the kernel reproduces, so a row's result does not depend on which
 * thread takes it).
 *
 * <p>Rows in lanes: within a group, each block of the file's layout is rewritten column by column,
 * so one load holds one column of 32 rows and a block's integer sums build up per row in 16-bit
 * lanes, with no horizontal sums (see {@link Q4_0Groups} for why this is twice the speed).
 * The copy costs as much memory as the tensor (Q6_K: 30 % more); prompts read it too (Q8_0/Q4_0
 * through {@link #panelBlock}, Q4_K/Q6_K through {@link #kQuantPanel}), so a packed tensor's pages
 * of a mapped file are dropped from memory after packing.
 */
abstract class PackedGroups {
    /** Rows per group: two 16-lane short vectors. */
    static final int G = 32;
    private static final Object NOT_PACKED = new Object();

    private final DType type;
    /** Bytes of one of the file's blocks, and of one group's block in the copy. */
    private final int blockBytes, groupBlock;
    /** Byte offsets, within a file block, of the fp16 scales the kernel widens by moving bits (which would make an infinity finite). */
    private final int[] halfFields;
    /** On where floats have 16 lanes and {@code -D<property>} is unset or {@code packed}; any other value ({@code rows}) picks the row kernels, to compare. */
    private final boolean enabled;

    PackedGroups(DType type, int groupBlock, String property, int... halfFields) {
        this.type = type;
        this.blockBytes = type.blockBytes();
        this.groupBlock = groupBlock;
        this.halfFields = halfFields;
        String choice = System.getProperty(property, "packed");
        this.enabled = DotVector.AVAILABLE && DotVector.L == 16 && choice.equals("packed");
    }

    /** The packed kernel for type, or null (another type, no 512-bit vectors, or turned off). */
    static PackedGroups of(DType type) {
        PackedGroups kind = switch (type) {
            case Q8_0 -> Q8_0Groups.KIND;
            case Q4_0 -> Q4_0Groups.KIND;
            case Q4_K -> Q4_KGroups.KIND;
            case Q6_K -> Q6_KGroups.KIND;
            default -> null;
        };
        return kind != null && kind.enabled ? kind : null;
    }

    /**
     * What the kernel needs from the prepared activations beyond their quants, made once per product
     * on the calling thread before the rows are split (none by default).
     */
    void prepare(Activations a) {}

    /**
     * One group's block into out[o ..] in the copy's layout, from the 32 rows' file blocks in[base +
     * i·stride ..] (row i).
     */
    abstract void packBlock(byte[] in, int base, int stride, byte[] out, int o);

    /** {@link #packBlock} with the 32 file blocks one after another in {@code in}, into out[0 ..]. */
    final void packBlock(byte[] in, byte[] out) {
        packBlock(in, 0, blockBytes, out, 0);
    }

    /** The scalar reference: row at byte off times vector xo / cols of a. */
    abstract float reference(MemorySegment w, long off, Activations a, int xo, int cols);

    /**
     * out[t·rows + r] for every row r of groups [g0, g1) and every vector t of a: by default (the
     * K-quants) super-block by super-block, each against every vector while it is in L1, the rows'
     * totals kept in out.
     */
    void groups(MemorySegment packed, int g0, int g1, Activations a, int n, int rows, int cols, float[] out) {
        int nsb = cols / 256;
        for (int g = g0; g < g1; g++) {
            for (int t = 0; t < n; t++) java.util.Arrays.fill(out, t * rows + g * G, t * rows + g * G + G, 0f);
            long off = (long) g * nsb * groupBlock;
            for (int b = 0; b < nsb; b++) {
                for (int t = 0; t < n; t++) superBlock(packed, off + (long) groupBlock * b, a, t * nsb + b, out, t * rows + g * G);
            }
        }
    }

    /** For {@link #groups}' default: one group's super-block at p times super-block sb of a's vectors, added to out[o .. o+31]. */
    void superBlock(MemorySegment packed, long p, Activations a, int sb, float[] out, int o) {
        throw new UnsupportedOperationException(type + " multiplies in its own groups()");
    }

    /**
     * For a prompt's GEMM ({@link PackedGemm}, Q8_0/Q4_0): block {@code block} (of {@code blocks} per
     * row) of group g as the integer quants of an NR = 32-row k-major panel, dst[o + 32·k + i] = row
     * i's quant in column k (Q4_0 centred: q − 8), and the rows' scales into dw[dwo + i]; the same
     * values the GEMM decodes from the file's rows, so the products do not change. Types without it
     * throw.
     */
    void panelBlock(MemorySegment packed, int g, int block, int blocks, float[] dst, int o, float[] dw, int dwo) {
        throw new UnsupportedOperationException(type + " has no prompt panels from its packed copy");
    }

    /**
     * For a K-quant prompt's GEMM ({@link KQuantGemm}, Q4_K/Q6_K): group g's {@code superBlocks}
     * super-blocks as the GEMM's decoded panel of NR = 32 rows, the values the GEMM decodes from the
     * file's rows: panel[32·{@link KQuantGemm#position}(k) + i] = row i's sub-block scale × quant in
     * column k (exact integers), d[32b + i] and dmin[32b + i] the rows' super-block scales, and
     * mins[32·(16b + j) + i] the min of row i's 16-value group j (Q4_K: each sub-block's min twice).
     * Types without it throw.
     */
    void kQuantPanel(MemorySegment packed, int g, int superBlocks, float[] panel, float[] d, float[] dmin, float[] mins) {
        throw new UnsupportedOperationException(type + " has no K-quant prompt panels from its packed copy");
    }

    /** The packed copy of w (made now if it is the first call), or null where w keeps the reference kernel. */
    final MemorySegment packed(Tensor w) {
        if (w.type() != type) return null;
        Object p = w.derived(this::pack);
        return p instanceof MemorySegment m ? m : null;
    }

    /**
     * out[t·rows + r] = row r · vector t of a for r in [from, to): whole groups from the packed copy,
     * the other rows (all of them where packed is null) by {@link #reference}.
     */
    final void run(Tensor w, MemorySegment packed, int from, int to, Activations a, int n, float[] out) {
        int cols = w.cols(), rows = w.rows();
        long rowBytes = w.rowBytes();
        int packedRows = packed == null ? 0 : rows / G * G;
        int g0 = Math.min((from + G - 1) / G, packedRows / G), g1 = Math.max(g0, Math.min(to, packedRows) / G);
        int groupStart = g0 * G, groupEnd = g1 * G;
        for (int t = 0; t < n; t++) {
            for (int r = from; r < Math.min(to, groupStart); r++) out[t * rows + r] = reference(w.data(), r * rowBytes, a, t * cols, cols);
            for (int r = Math.max(from, groupEnd); r < to; r++) out[t * rows + r] = reference(w.data(), r * rowBytes, a, t * cols, cols);
        }
        if (g0 < g1) groups(packed, g0, g1, a, n, rows, cols, out);
    }

    /** {@code -Dpith.decode.unload=false} keeps a packed tensor's mapped file pages in memory (to compare). */
    private static final boolean UNLOAD = !"false".equals(System.getProperty("pith.decode.unload"));

    /** {@code -Dpith.decode.trace=true}: one line on stderr per packed tensor (its time), to see what the first token pays. */
    private static final boolean TRACE = Boolean.getBoolean("pith.decode.trace");

    /** The packed copy of w's whole groups, or {@link #NOT_PACKED} (fewer than G rows, or a scale that is not finite). */
    private Object pack(Tensor w) {
        long start = System.nanoTime();
        Object packed = packGroups(w);
        // The file's pages of a packed tensor are no longer read by generation: let them go from this
        // process's memory (a read-only file mapping: dropping them loses nothing, and a later prompt,
        // or an embedding lookup, reads them back from the page cache). Without this, peak RSS held
        // both the file's pages and the copy (1B Q8_0: 2.2 → 4.2 GB).
        if (packed instanceof MemorySegment && UNLOAD && Mapped.isFileMapped(w.data())) Mapped.dropPages(w.data());
        if (TRACE) System.err.printf("pith: packed %s (%s, %d bytes) in %.1f ms%n", w.name(), type, w.byteSize(), (System.nanoTime() - start) / 1e6);
        return packed;
    }

    private Object packGroups(Tensor w) {
        int groups = w.rows() / G, blocks = Math.toIntExact(w.rowBytes() / blockBytes);
        MemorySegment src = w.data();
        long rowBytes = w.rowBytes();
        if (groups == 0 || !finiteScales(src, (long) groups * G * blocks)) return NOT_PACKED;
        // (Transparent huge pages for the copy, LargePages, were tried: 1B Q4_0 generation unchanged.)
        MemorySegment dst = Arena.ofAuto().allocate((long) groups * blocks * groupBlock, 64);
        // A group's 32 rows are contiguous: one copy in, one copy out per group (a copy per block and
        // row, 18 bytes each for Q4_0, held packing to 0.4 GB/s).
        int groupIn = Math.toIntExact(G * rowBytes), groupOut = blocks * groupBlock;
        Parallel.forRange(groups, 4, (from, to) -> {
            byte[] in = new byte[groupIn];
            byte[] out = new byte[groupOut];
            for (int g = from; g < to; g++) {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (long) g * groupIn, in, 0, groupIn);
                for (int b = 0; b < blocks; b++) packBlock(in, blockBytes * b, (int) rowBytes, out, groupBlock * b);
                MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, (long) g * groupOut, groupOut);
            }
        });
        return dst;
    }

    private boolean finiteScales(MemorySegment w, long blocks) {
        for (long b = 0; b < blocks; b++) {
            for (int field : halfFields) {
                if ((Bytes.i16(w, blockBytes * b + field) & 0x7C00) == 0x7C00) return false;
            }
        }
        return true;
    }

    /** 2^112: a half's value over the float its bits make when moved into float position (the kernels' fp16 widening). */
    static final float HALF_BIAS = 0x1p112f;
}
