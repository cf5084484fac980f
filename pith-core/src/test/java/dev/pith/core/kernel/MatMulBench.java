package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;

/**
 * A rough prompt-processing (matrix × many vectors) throughput check, not a unit test: the packed
 * GEMM ({@link PackedGemm}, what {@link MatMul} uses for prompts) against the bit-exact register
 * tiles ({@link TiledMatMul}/{@link KQuantTiles}) and one dot product per (row, vector), timed in
 * alternating rounds in the same run (the machine is shared: compare the ratios, medians of rounds).
 * Run from pith-core after {@code mvn test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes dev.pith.core.kernel.MatMulBench [threads] [rows] [cols] [n] [types...]
 * </pre>
 */
public final class MatMulBench {
    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Parallel.threads();
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 1536;
        int cols = args.length > 2 ? Integer.parseInt(args[2]) : 576;
        int n = args.length > 3 ? Integer.parseInt(args[3]) : 256;
        Parallel.setThreads(threads);
        String[] types = args.length > 4 ? java.util.Arrays.copyOfRange(args, 4, args.length) : new String[]{"F32", "F16", "Q8_0", "Q4_0"};
        float[] x = RandomTensors.vector(n * cols, 1);
        float[] out = new float[n * rows];
        System.out.printf("threads=%d rows=%d cols=%d n=%d%n", threads, rows, cols, n);
        for (String name : types) {
            DType type = DType.parse(name);
            Tensor w = RandomTensors.matrix(type, rows, cols, 2);
            Runnable gemm = () -> PackedGemm.run(type, w.data(), w.rowBytes(), rows, cols,
                    type == DType.F16 || type == DType.BF16 ? Activations.forThread().prepare(type, x, n, cols).values : x, n, out);
            Runnable tiles = () -> {
                if (TiledMatMul.supports(type, n)) TiledMatMul.run(type, w.data(), w.rowBytes(), rows, cols, Activations.forThread().prepare(type, x, n, cols), n, out);
                else RowProducts.run(w, x, n, out, DotVector::dot, false);
            };
            Runnable perDot = () -> RowProducts.run(w, x, n, out, DotVector::dot, false);
            // Q8_0/Q4_0: the per-block integer path (ggml's numerics, the default for these types) beside the float GEMM.
            if (PackedGemm.supportsBlocks(type)) {
                Runnable blocks = () -> PackedGemm.runBlocks(type, w.data(), w.rowBytes(), rows, cols, Activations.forThread().prepare(type, x, n, cols), n, out);
                // The same product on activations quantized once outside the timing: the GEMM alone, like the float column.
                Activations prepared = new Activations().prepare(type, x, n, cols);
                Runnable blocksOnly = () -> PackedGemm.runBlocks(type, w.data(), w.rowBytes(), rows, cols, prepared, n, out);
                // And from the packed copy generation makes (what a model's prompts run; Q4_0: Q4_0LaneGemm's 16-bit lanes).
                PackedGroups kind = PackedGroups.of(type);
                java.lang.foreign.MemorySegment packed = kind == null ? null : kind.packed(w);
                Runnable copyOnly = () -> PackedGemm.runBlocks(type, w.data(), w.rowBytes(), rows, cols, prepared, n, out, kind, packed);
                double[] bl = new double[5], bo = new double[5], fl = new double[5], co = new double[5];
                for (int round = 0; round < 5; round++) {
                    bl[round] = time(blocks);
                    bo[round] = time(blocksOnly);
                    co[round] = time(copyOnly);
                    fl[round] = time(gemm);
                }
                double flops = 2.0 * rows * cols * n;
                System.out.printf("%-5s integer-block gemm %7.2f ms %6.1f GFLOP/s (without quantizing x: %6.1f; from the packed copy: %6.1f) | float gemm %7.2f ms %6.1f GFLOP/s | integer/float %.2f%n",
                        name, median(bl) * 1e3, flops / median(bl) / 1e9, flops / median(bo) / 1e9, flops / median(co) / 1e9,
                        median(fl) * 1e3, flops / median(fl) / 1e9, median(fl) / median(bo));
                continue;
            }
            double[] g = new double[5], t = new double[5], d = new double[5];
            for (int round = 0; round < 5; round++) {
                g[round] = time(gemm);
                t[round] = time(tiles);
                d[round] = time(perDot);
            }
            double flops = 2.0 * rows * cols * n;
            double gm = median(g), tm = median(t), dm = median(d);
            System.out.printf("%-5s gemm %7.2f ms %6.1f GFLOP/s | tiles %7.2f ms %6.1f GFLOP/s | per-dot %7.2f ms %6.1f GFLOP/s | gemm/tiles %.2fx%n",
                    name, gm * 1e3, flops / gm / 1e9, tm * 1e3, flops / tm / 1e9, dm * 1e3, flops / dm / 1e9, tm / gm);
        }
        System.exit(0);
    }

    /** Fastest of 8 timed runs after a short warm-up, in seconds. */
    private static double time(Runnable r) {
        long warmUntil = System.nanoTime() + 300_000_000L;
        while (System.nanoTime() < warmUntil) r.run();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 8; i++) {
            long s = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - s) / 1e9);
        }
        return best;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }
}
