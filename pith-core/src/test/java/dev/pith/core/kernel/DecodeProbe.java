package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;

/**
 * The decode kernel probe (not a unit test): one matrix × one vector on llama-3.2-1b's FFN shape
 * (8192 rows × 2048 columns, the up/gate projection; 2048 × 8192 is the down projection), repeated,
 * reported as weight GB/s streamed — the figure to compare with the machine's bandwidth. Run from
 * pith-core after {@code mvn test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes dev.pith.core.kernel.DecodeProbe threads rows cols types...
 * </pre>
 * Copies of the matrix totalling at least 1 GiB are cycled so the weights come from DRAM as in a
 * real model (this machine's L3 holds 480 MiB); {@code -Dcopies=1} measures one cache-resident matrix;
 * {@code -Dhuge=true} puts the copies in transparent huge pages ({@link dev.pith.core.LargePages}).
 */
public final class DecodeProbe {
    public static void main(String[] args) {
        int threads = Integer.parseInt(args[0]);
        int rows = Integer.parseInt(args[1]), cols = Integer.parseInt(args[2]);
        Parallel.setThreads(threads);
        float[] x = RandomTensors.vector(cols, 1);
        float[] out = new float[rows];
        for (int k = 3; k < args.length; k++) {
            DType type = DType.parse(args[k]);
            Tensor w0 = RandomTensors.matrix(type, rows, cols, 2);
            int copies = Integer.getInteger("copies", (int) Math.ceil((double) (1L << 30) / w0.byteSize()));
            Tensor[] ws = new Tensor[copies];
            for (int i = 0; i < copies; i++) {
                java.lang.foreign.MemorySegment seg = Boolean.getBoolean("huge")
                        ? dev.pith.core.LargePages.allocate(w0.byteSize(), java.lang.foreign.Arena.ofAuto())
                        : java.lang.foreign.Arena.ofAuto().allocate(w0.byteSize(), 64);
                seg.copyFrom(w0.data());
                ws[i] = new Tensor(w0.name(), type, new long[] {cols, rows}, seg);
            }
            int[] next = {0};
            double s = MatVecBench.time(() -> MatMul.matvec(ws[next[0]++ % copies], x, out));
            System.out.printf("%-5s %dx%d threads=%d %7.3f ms %6.1f GB/s%n", type, rows, cols, threads, s * 1e3, ws[0].byteSize() / s / 1e9);
        }
        System.exit(0);
    }
}
