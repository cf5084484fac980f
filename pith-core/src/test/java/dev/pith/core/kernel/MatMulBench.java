package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;

/**
 * A rough prompt-processing (matrix × many vectors) throughput check, not a unit test: the tiled
 * product against one dot product per (row, vector). Run from pith-core after {@code mvn test-compile}:
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
            Tensor w = RandomTensors.matrix(DType.parse(name), rows, cols, 2);
            double tiled = MatVecBench.time(() -> MatMul.matmul(w, x, n, out));
            double perDot = MatVecBench.time(() -> RowProducts.run(w, x, n, out, DotVector::dot, false));
            double flops = 2.0 * rows * cols * n;
            System.out.printf("%-5s tiled %8.2f ms %6.1f GFLOP/s | per-dot %8.2f ms %6.1f GFLOP/s%n",
                    name, tiled * 1e3, flops / tiled / 1e9, perDot * 1e3, flops / perDot / 1e9);
        }
        System.exit(0);
    }
}
