package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;

/**
 * A rough matvec throughput check (not a unit test): 4096×4096 random weights per type, a plain
 * timing loop after warm-up. Run from pith-core after {@code mvn test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes dev.pith.core.kernel.MatVecBench [threads] [types...]
 * </pre>
 */
public final class MatVecBench {
    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Parallel.threads();
        Parallel.setThreads(threads);
        String[] types = args.length > 1 ? java.util.Arrays.copyOfRange(args, 1, args.length)
                : new String[] {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"};
        int rows = 4096, cols = 4096;
        float[] x = RandomTensors.vector(cols, 1);
        float[] out = new float[rows];
        System.out.printf("threads=%d float lanes=%d vector kernels=%s%n", threads, DotVector.L, DotVector.AVAILABLE);
        for (String name : types) {
            Tensor w = RandomTensors.matrix(DType.parse(name), rows, cols, 2);
            double vec = time(() -> MatMul.matvec(w, x, out));
            double sca = time(() -> MatMulScalar.matvec(w, x, out));
            double flops = 2.0 * rows * cols;
            System.out.printf("%-5s %7.1f MB  MatMul %7.2f ms %6.1f GFLOP/s %6.1f GB/s | MatMulScalar %8.2f ms %6.2f GFLOP/s%n",
                    name, w.byteSize() / 1e6, vec * 1e3, flops / vec / 1e9, w.byteSize() / vec / 1e9, sca * 1e3, flops / sca / 1e9);
        }
        System.exit(0);
    }

    /**
     * Fastest of 30 timed runs after warm-up, in seconds: the machine is shared, and the minimum is
     * the figure least disturbed by other processes.
     */
    static double time(Runnable r) {
        long warmUntil = System.nanoTime() + 1_500_000_000L;
        while (System.nanoTime() < warmUntil) r.run();
        double[] t = new double[30];
        for (int i = 0; i < t.length; i++) {
            long s = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - s) / 1e9;
        }
        java.util.Arrays.sort(t);
        return t[0];
    }
}
