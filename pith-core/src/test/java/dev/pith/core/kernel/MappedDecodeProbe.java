package dev.pith.core.kernel;

import dev.pith.core.Mapped;
import dev.pith.core.Parallel;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.pith.core.kernel.DotVector.F;
import static dev.pith.core.kernel.DotVector.L;

/**
 * The F32 generation probe on a real model file (not a unit test): one "token" is every listed
 * matrix times one vector, read from the file's mapping as generation reads it, split over the pool
 * as {@code RowProducts} splits it. Row orders are alternated token by token, so a phase of the
 * machine hits every variant alike; the medians are weight GB/s. Variants: {@code quarters} and
 * {@code adjacent} ({@link DecodeRows#f32}), {@code rows} (one row at a time, {@link DotVector#f32}),
 * {@code rows4} (one row, four accumulators: llama.cpp's {@code ggml_vec_dot_f32} shape, other bits,
 * for comparison only); a suffix {@code -fine} hands out chunks of 16 rows, {@code -chunksN} N equal
 * chunks, instead of {@code RowProducts}' split. {@code -Dpith.decode.rolled=off} compares C2's
 * unrolled column loop (see {@link DecodeRows#ROLLED}).
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes dev.pith.core.kernel.MappedDecodeProbe
 *     MODEL.gguf TENSORS.txt threads tokens variants...
 * </pre>
 * TENSORS.txt: one line per matrix, "absolute-byte-offset rows cols" (F32 rows; F16 with {@code -Dtype=F16}).
 */
public final class MappedDecodeProbe {
    public static void main(String[] args) throws Exception {
        List<long[]> mats = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            if (line.isBlank()) continue;
            mats.add(Arrays.stream(line.trim().split("\\s+")).mapToLong(Long::parseLong).toArray());
        }
        Parallel.setThreads(Integer.parseInt(args[2]));
        int tokens = Integer.parseInt(args[3]);
        String[] variants = Arrays.copyOfRange(args, 4, args.length);
        long bytes = mats.stream().mapToLong(m -> m[1] * m[2] * ELEMENT).sum();
        int maxRows = (int) mats.stream().mapToLong(m -> m[1]).max().orElseThrow();
        int maxCols = (int) mats.stream().mapToLong(m -> m[2]).max().orElseThrow();
        float[] x = RandomTensors.vector(maxCols, 1);
        float[] out = new float[maxRows];
        double[][] gbs = new double[variants.length][tokens];
        try (Mapped file = Mapped.open(Path.of(args[0]))) {
            MemorySegment all = file.segment();
            for (int t = -2; t < tokens; t++) {
                for (int v = 0; v < variants.length; v++) {
                    String variant = variants[v];
                    long t0 = System.nanoTime();
                    for (long[] m : mats) {
                        MemorySegment w = all.asSlice(m[0], m[1] * m[2] * ELEMENT);
                        int cols = (int) m[2];
                        long rowBytes = (long) ELEMENT * cols;
                        int rows = (int) m[1];
                        // "-fine": chunks of 16 rows handed out in turn (both threads read neighbouring rows), else RowProducts' split
                        if (variant.contains("-chunks")) {
                            // "-chunksN": N equal chunks handed out in turn
                            int at = variant.indexOf("-chunks"), chunks = Integer.parseInt(variant.substring(at + 7));
                            String base = variant.substring(0, at);
                            Parallel.forChunks(rows, chunks, (from, to) -> run(base, w, rowBytes, from, to, x, cols, out));
                        } else if (variant.endsWith("-fine")) {
                            String base = variant.substring(0, variant.length() - 5);
                            Parallel.forChunks(rows, rows / 16, (from, to) -> run(base, w, rowBytes, from, to, x, cols, out));
                        } else {
                            Parallel.forRange(rows, 4, (from, to) -> run(variant, w, rowBytes, from, to, x, cols, out));
                        }
                    }
                    double s = (System.nanoTime() - t0) / 1e9;
                    if (t >= 0) gbs[v][t] = bytes / s / 1e9;
                }
            }
        }
        for (int v = 0; v < variants.length; v++) {
            double[] g = gbs[v].clone();
            Arrays.sort(g);
            System.out.printf("%-9s median %5.1f GB/s  (min %5.1f, max %5.1f, %d tokens of %.2f GB)%n",
                    variants[v], g[g.length / 2], g[0], g[g.length - 1], tokens, bytes / 1e9);
        }
        System.exit(0);
    }

    /** -Dtype=F16: the listed matrices are F16 and the variant is DecodeRows.f16's (quarters or adjacent per -Dpith.decode.quarters). */
    private static final boolean F16 = "F16".equals(System.getProperty("type"));
    private static final int ELEMENT = F16 ? 2 : 4;

    private static void run(String variant, MemorySegment w, long rowBytes, int from, int to, float[] x, int cols, float[] out) {
        if (F16) {
            DecodeRows.f16(w, rowBytes, from, to, x, cols, out);
            return;
        }
        switch (variant) {
            case "quarters" -> DecodeRows.f32(w, rowBytes, from, to, x, cols, out, true);
            case "adjacent" -> DecodeRows.f32(w, rowBytes, from, to, x, cols, out, false);
            case "rows" -> { for (int r = from; r < to; r++) out[r] = DotVector.f32(w, r * rowBytes, x, 0, cols); }
            case "rows4" -> { for (int r = from; r < to; r++) out[r] = rowFourAccumulators(w, r * rowBytes, x, cols); }
            default -> throw new IllegalArgumentException("unknown variant " + variant);
        }
    }

    /** One row, four accumulators (llama.cpp's vec_dot shape): a different sum order, for the probe only. */
    private static float rowFourAccumulators(MemorySegment w, long off, float[] x, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i + 4 * L <= n; i += 4 * L) {
            long c = off + 4L * i;
            a0 = FloatVector.fromMemorySegment(F, w, c, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(F, x, i), a0);
            a1 = FloatVector.fromMemorySegment(F, w, c + 4L * L, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(F, x, i + L), a1);
            a2 = FloatVector.fromMemorySegment(F, w, c + 8L * L, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(F, x, i + 2 * L), a2);
            a3 = FloatVector.fromMemorySegment(F, w, c + 12L * L, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(F, x, i + 3 * L), a3);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
