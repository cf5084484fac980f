import dev.pith.compress.prune.SparseMatVec;
import dev.pith.compress.prune.SparseMatrix;
import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.kernel.MatMul;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

/**
 * Sparse (CSR) matrix-vector product against Pith's dense F32 one, at 50 / 70 / 90 % unstructured
 * sparsity and 2:4, on one matrix of ROWS × COLS (default 2048 × 2048). Dense and sparse alternate
 * round by round, so a busy machine slows both alike; medians of the rounds are printed.
 * Run: see bench/prune/README in bench/RESULTS.md (# Pruning).
 */
public class SparseBench {
    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 2048, cols = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 15, reps = 50;
        Random rnd = new Random(1);
        float[] w = new float[rows * cols], x = new float[cols], out = new float[rows];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        for (int j = 0; j < cols; j++) x[j] = (float) rnd.nextGaussian();
        Tensor dense = new Tensor("w", DType.F32, new long[] {cols, rows}, MemorySegment.ofArray(w));
        System.out.printf("matrix %d x %d, %d threads, %d rounds x %d products%n", rows, cols, dev.pith.core.Parallel.threads(), rounds, reps);
        System.out.println("| pattern | nonzeros | sparse bytes / dense bytes | dense µs | sparse µs | speed-up |");
        System.out.println("|---|---|---|---|---|---|");
        for (String p : new String[] {"50%", "70%", "90%", "2:4"}) {
            float[] s = w.clone();
            if (p.equals("2:4")) {
                for (int i = 0; i < s.length; i += 4) { s[i + rnd.nextInt(2)] = 0; s[i + 2 + rnd.nextInt(2)] = 0; }
            } else {
                double f = Integer.parseInt(p.substring(0, 2)) / 100.0;
                for (int i = 0; i < s.length; i++) if (rnd.nextDouble() < f) s[i] = 0;
            }
            SparseMatrix m = SparseMatrix.of(s, rows, cols);
            double[] td = new double[rounds], ts = new double[rounds];
            for (int warm = 0; warm < 200; warm++) { MatMul.matvec(dense, x, out); SparseMatVec.matvec(m, x, out); }
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) MatMul.matvec(dense, x, out);
                long t1 = System.nanoTime();
                for (int i = 0; i < reps; i++) SparseMatVec.matvec(m, x, out);
                long t2 = System.nanoTime();
                td[r] = (t1 - t0) / 1e3 / reps;
                ts[r] = (t2 - t1) / 1e3 / reps;
            }
            double d = median(td), sp = median(ts);
            System.out.printf("| %s | %d | %.2f | %.1f | %.1f | %.2f× |%n", p, m.nonZeros(), (double) m.byteSize() / (4L * rows * cols), d, sp, d / sp);
        }
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
