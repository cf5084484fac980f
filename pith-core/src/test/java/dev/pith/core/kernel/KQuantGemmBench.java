package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;

/**
 * K-quant prompt throughput, not a unit test: the old 4 × 4 tiles ({@link KQuantTiles}), the
 * packed K-quant GEMM ({@link KQuantGemm}) and the float GEMM on an F32 matrix of the same shape,
 * timed in alternating rounds (activations quantized once outside the timing). Run from pith-core
 * after {@code mvn test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes dev.pith.core.kernel.KQuantGemmBench threads rows cols n types...
 * </pre>
 */
public final class KQuantGemmBench {
    public static void main(String[] args) {
        int threads = Integer.parseInt(args[0]), rows = Integer.parseInt(args[1]), cols = Integer.parseInt(args[2]), n = Integer.parseInt(args[3]);
        Parallel.setThreads(threads);
        float[] x = RandomTensors.vector(n * cols, 1);
        float[] out = new float[n * rows];
        Tensor f32 = RandomTensors.matrix(DType.F32, rows, cols, 2);
        Runnable floatGemm = () -> PackedGemm.run(DType.F32, f32.data(), f32.rowBytes(), rows, cols, x, n, out);
        System.out.printf("threads=%d rows=%d cols=%d n=%d%n", threads, rows, cols, n);
        for (int i = 4; i < args.length; i++) {
            DType type = DType.parse(args[i]);
            Tensor w = RandomTensors.matrix(type, rows, cols, 2);
            Activations a = new Activations().prepare(type, x, n, cols);
            Runnable tiles = () -> TiledMatMul.run(type, w.data(), w.rowBytes(), rows, cols, a, n, out);
            Runnable gemm = () -> KQuantGemm.run(type, w.data(), w.rowBytes(), rows, cols, a, n, out);
            // Q4_K/Q6_K: also the 16-bit lanes on the packed copy (what a model's Q4_K prompts run).
            PackedGroups kind = PackedGroups.of(type);
            java.lang.foreign.MemorySegment packed = kind == null ? null : kind.packed(w);
            Runnable lanes = packed == null ? null
                    : type == DType.Q4_K ? () -> Q4_KLaneGemm.run(w.data(), w.rowBytes(), packed, rows, cols, a, n, out)
                    : type == DType.Q6_K ? () -> Q6_KLaneGemm.run(w.data(), w.rowBytes(), packed, rows, cols, a, n, out) : null;
            double[] t = new double[3], g = new double[3], f = new double[3], l = new double[3];
            for (int round = 0; round < 3; round++) {
                t[round] = time(tiles);
                g[round] = time(gemm);
                f[round] = time(floatGemm);
                if (lanes != null) l[round] = time(lanes);
            }
            double flops = 2.0 * rows * cols * n, tm = median(t), gm = median(g), fm = median(f), lm = median(l);
            System.out.printf("%-5s tiles %8.2f ms %6.1f GFLOP/s | k-gemm %8.2f ms %6.1f GFLOP/s | f32 gemm %8.2f ms %6.1f GFLOP/s | k-gemm/tiles %.2fx, k-gemm/f32 %.2f%s%n",
                    type, tm * 1e3, flops / tm / 1e9, gm * 1e3, flops / gm / 1e9, fm * 1e3, flops / fm / 1e9, tm / gm, fm / gm,
                    lanes == null ? "" : String.format(" | lanes %8.2f ms %6.1f GFLOP/s", lm * 1e3, flops / lm / 1e9));
        }
        System.exit(0);
    }

    /** Fastest of 3 timed runs after a short warm-up, in seconds. */
    private static double time(Runnable r) {
        long warmUntil = System.nanoTime() + 300_000_000L;
        while (System.nanoTime() < warmUntil) r.run();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long s = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - s) / 1e9);
        }
        return best;
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        java.util.Arrays.sort(c);
        return c[c.length / 2];
    }
}
