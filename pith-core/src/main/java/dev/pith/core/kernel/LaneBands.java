package dev.pith.core.kernel;

import dev.pith.core.Parallel;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteOrder;

/**
 * What the prompt products with rows in 16-bit lanes ({@link Q4_0LaneGemm}, {@link Q4_KLaneGemm})
 * share: the split of a product into tasks (a band of activation vectors × a range of 32-row groups)
 * and each task's copy of its band's activations in the tiles' layout.
 *
 * <p>A band's layout, per tile of {@code mr} vectors: the quants k-major, each held twice in an int
 * ({@code (q & 0xFFFF) · 0x10001}, so that a tile broadcasts it with a 32-bit load: a byte broadcast
 * costs shuffles, 50 against 64 G multiply-adds per second in a one-thread probe), then per 32-value
 * block and vector the block's offset −8·Σq (the low lanes' start, see {@link Q4_0Groups}) and Σq (made
 * here, by each task, rather than by {@link Activations#q4Offsets} on the calling thread), and
 * per scale block and vector the activation scale d_x. Vectors past n are zeros; their results are
 * dropped.
 */
final class LaneBands {
    /** {@code -Dpith.matmul.lanes=off} turns every lane GEMM off (Q4_0/Q5_0 back to {@link BlockTile}, Q4_K/Q6_K to {@link KQuantGemm}), to compare. */
    static final boolean ENABLED = !"off".equals(System.getProperty("pith.matmul.lanes"));
    /** The lane GEMMs' shapes: weight lines of 16 or 32 bytes widened to 16 or 32 shorts, and their int halves. */
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128, B256 = ByteVector.SPECIES_256;
    static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256, S32 = ShortVector.SPECIES_512;
    static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256, I16 = IntVector.SPECIES_512;
    /** Tiles per band at most (then bands are evened out over the threads). */
    static final int BAND_TILES = 16;
    /** Below this many multiply-adds a product stays on the calling thread (PackedGemm's threshold). */
    private static final long PARALLEL_THRESHOLD = 1 << 16;

    /** One thread's band buffers and edge tile. */
    static final class Band {
        int[] quants = new int[0];
        short[] offsets = new short[0];
        int[] sums = new int[0];
        float[] scales = new float[0];
        final float[] edge = new float[8 * PackedGroups.G];
        /** A K-quant tile's integer sums handed to its float part (MR ≤ 4 vectors × 4 vectors of 16 lanes). */
        final int[] acc = new int[256];
    }

    private static final ThreadLocal<Band> BANDS = ThreadLocal.withInitial(Band::new);

    /** A task's work: groups [g0, g1) × the band's tiles [tile0, tile1), the band filled. */
    interface Products {
        void run(Band band, int g0, int g1, int tile0, int tile1);
    }

    private LaneBands() {}

    /**
     * Splits groups × ⌈n/mr⌉ tiles into bands of at most BAND_TILES tiles (a multiple of the threads
     * where there are enough tiles; with fewer bands than threads the groups are split too), fills each
     * task's band from a and runs it. {@code scaleBlock}: values per activation scale (32 or 256).
     */
    static void run(Activations a, int n, int cols, int mr, int scaleBlock, int groups, Products products) {
        int tiles = (n + mr - 1) / mr;
        int threads = Parallel.threads();
        int bands = Math.min(tiles, (tiles + BAND_TILES - 1) / BAND_TILES);
        if (bands >= threads) bands = Math.min(tiles, (bands + threads - 1) / threads * threads);
        int chunks = bands >= threads ? 1 : Math.min(groups, (threads + bands - 1) / bands);
        int tasks = bands * chunks, nBands = bands, nChunks = chunks;
        Parallel.RangeBody body = (from, to) -> {
            Band band = BANDS.get();
            for (int task = from; task < to; task++) {
                int bi = task / nChunks, ci = task % nChunks;
                int tile0 = (int) ((long) bi * tiles / nBands), tile1 = (int) ((long) (bi + 1) * tiles / nBands);
                int g0 = (int) ((long) ci * groups / nChunks), g1 = (int) ((long) (ci + 1) * groups / nChunks);
                fill(band, a, n, cols, mr, scaleBlock, tile0, tile1);
                products.run(band, g0, g1, tile0, tile1);
            }
        };
        boolean fork = threads > 1 && tasks > 1 && (long) groups * PackedGroups.G * cols * n >= PARALLEL_THRESHOLD;
        if (fork) Parallel.forChunks(tasks, Math.min(tasks, threads), body);
        else body.run(0, tasks);
    }

    private static void fill(Band band, Activations a, int n, int cols, int mr, int scaleBlock, int tile0, int tile1) {
        int nb = cols / 32, ns = cols / scaleBlock, count = tile1 - tile0;
        if (band.quants.length < count * mr * cols) band.quants = new int[count * mr * cols];
        if (band.offsets.length < count * mr * nb) {
            band.offsets = new short[count * mr * nb];
            band.sums = new int[count * mr * nb];
        }
        if (band.scales.length < count * mr * ns) band.scales = new float[count * mr * ns];
        int[] q = band.quants, s = band.sums;
        short[] o = band.offsets;
        float[] d = band.scales;
        byte[] qs = a.qs;
        for (int tile = tile0; tile < tile1; tile++) {
            int j = tile - tile0, qBase = j * mr * cols, bBase = j * mr * nb, sBase = j * mr * ns;
            for (int m = 0; m < mr; m++) {
                int t = tile * mr + m;
                boolean real = t < n;
                for (int b = 0; b < nb; b++) {
                    int sum = 0;
                    for (int k = 32 * b; k < 32 * b + 32; k++) {
                        int v = real ? qs[t * cols + k] : 0;
                        q[qBase + k * mr + m] = Activations.heldTwice(v);
                        sum += v;
                    }
                    o[bBase + b * mr + m] = (short) (-8 * sum);
                    s[bBase + b * mr + m] = sum;
                }
                for (int b = 0; b < ns; b++) d[sBase + b * mr + m] = real ? a.d[t * ns + b] : 0f;
            }
        }
    }

    /** One tile's work: the band's tile j (its vectors' results at c[co + m·ldc ..]) × group g over blocks [b0, b1). */
    interface Tile {
        void run(Band band, int g, int j, int b0, int b1, float[] c, int co, int ldc, boolean load);
    }

    /**
     * A task's loops: per slice of {@code slice} of the row's {@code blocks} blocks (an L2-sized slice of
     * the band), every group of [g0, g1), every tile of the band; {@code load} after the first slice. A
     * tile past n runs on the band's edge tile and only its real vectors are copied out.
     */
    static void products(Band band, int g0, int g1, int rows, int n, int mr, int blocks, int slice, int tile0, int tile1,
                         float[] out, Tile tile) {
        int g32 = PackedGroups.G;
        for (int b0 = 0; b0 < blocks; b0 += slice) {
            int b1 = Math.min(blocks, b0 + slice);
            boolean load = b0 > 0;
            for (int g = g0; g < g1; g++) {
                for (int t = tile0; t < tile1; t++) {
                    int j = t - tile0, t0 = t * mr;
                    if (t0 + mr <= n) {
                        tile.run(band, g, j, b0, b1, out, t0 * rows + g * g32, rows, load);
                    } else {
                        float[] e = band.edge;
                        for (int m = 0; m < n - t0; m++) System.arraycopy(out, (t0 + m) * rows + g * g32, e, m * g32, g32);
                        tile.run(band, g, j, b0, b1, e, 0, g32, load);
                        for (int m = 0; m < n - t0; m++) System.arraycopy(e, m * g32, out, (t0 + m) * rows + g * g32, g32);
                    }
                }
            }
        }
    }
}
