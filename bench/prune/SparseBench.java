import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.kernel.MatMul;
import dev.pith.model.sparse.CsrMatrix;
import dev.pith.model.sparse.NmMatrix;
import dev.pith.model.sparse.SparseMatMul;
import dev.pith.model.sparse.SparseWeight;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

/**
 * The runtime's sparse products (pith-model dev.pith.model.sparse) against Pith's dense F32 ones,
 * at 50 / 70 / 90 % unstructured sparsity (CSR) and 2:4 (compact N:M, and CSR for comparison), on
 * one ROWS × COLS matrix (default 2048 × 2048): one vector (decode) and TOKENS vectors (a prompt).
 * Dense and sparse alternate round by round, so a busy machine slows both alike; medians printed.
 */
public class SparseBench {
    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 2048, cols = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 15, tokens = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        Random rnd = new Random(1);
        float[] w = new float[rows * cols], x = new float[cols * tokens], out = new float[rows * tokens];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        for (int j = 0; j < x.length; j++) x[j] = (float) rnd.nextGaussian();
        Tensor dense = new Tensor("w", DType.F32, new long[] {cols, rows}, MemorySegment.ofArray(w));
        System.out.printf("matrix %d x %d, %d threads, %d rounds, prompt of %d tokens%n", rows, cols, dev.pith.core.Parallel.threads(), rounds, tokens);
        System.out.println("| pattern | form | bytes / dense | matvec: dense µs | sparse µs | speed-up | matmul " + tokens + ": dense µs | sparse µs | speed-up |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (String p : new String[] {"50%", "70%", "90%", "2:4", "2:4 csr"}) {
            float[] s = w.clone();
            if (p.startsWith("2:4")) {
                Random g = new Random(2);
                for (int i = 0; i < s.length; i += 4) { s[i + g.nextInt(2)] = 0; s[i + 2 + g.nextInt(2)] = 0; }
            } else {
                double f = Integer.parseInt(p.substring(0, 2)) / 100.0;
                for (int i = 0; i < s.length; i++) if (rnd.nextDouble() < f) s[i] = 0;
            }
            SparseWeight m = p.equals("2:4") ? NmMatrix.of(s, rows, cols, 2, 4) : CsrMatrix.of(s, rows, cols);
            double[] v = time(dense, m, x, 1, out, rounds, 50), b = time(dense, m, x, tokens, out, rounds, 3);
            System.out.printf("| %s | %s | %.3f | %.1f | %.1f | %.2f× | %.1f | %.1f | %.2f× |%n", p, m.getClass().getSimpleName(),
                    (double) m.byteSize() / (4L * rows * cols), v[0], v[1], v[0] / v[1], b[0], b[1], b[0] / b[1]);
        }
    }

    /** Medians {dense µs, sparse µs} of one product of n vectors. */
    static double[] time(Tensor dense, SparseWeight m, float[] x, int n, float[] out, int rounds, int reps) {
        double[] td = new double[rounds], ts = new double[rounds];
        for (int warm = 0; warm < 100; warm++) { MatMul.matmul(dense, x, n, out); SparseMatMul.matmul(m, x, n, out); }
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) MatMul.matmul(dense, x, n, out);
            long t1 = System.nanoTime();
            for (int i = 0; i < reps; i++) SparseMatMul.matmul(m, x, n, out);
            long t2 = System.nanoTime();
            td[r] = (t1 - t0) / 1e3 / reps;
            ts[r] = (t2 - t1) / 1e3 / reps;
        }
        return new double[] {median(td), median(ts)};
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
