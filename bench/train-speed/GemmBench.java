import dev.pith.core.Parallel;
import dev.pith.train.Gemm;

import java.util.Arrays;
import java.util.Random;

/**
 * GFLOP/s of Pith's training GEMM on the shapes one step of the 6×384 Llama (batch·block = ROWS
 * tokens, ffn 1024, vocab 4096) runs, each form (nt forward, nn input gradient, tn weight
 * gradient); median of REPEATS. Usage: java ... GemmBench.java THREADS ROWS REPEATS
 * Prints one JSON line per shape and the FLOP-weighted overall figure.
 */
public class GemmBench {
    interface Product { void run(float[] a, float[] b, float[] c, int m, int n, int k, boolean acc); }

    public static void main(String[] args) {
        int threads = Integer.parseInt(args[0]), rows = Integer.parseInt(args[1]), repeats = Integer.parseInt(args[2]);
        Parallel.setThreads(threads);
        Object[][] shapes = {
                {"nt", rows, 384, 384}, {"nt", rows, 1024, 384}, {"nt", rows, 4096, 384},
                {"nn", rows, 384, 1024}, {"nn", rows, 384, 384}, {"nn", rows, 384, 4096},
                {"tn", 1024, 384, rows}, {"tn", 384, 1024, rows}, {"tn", 384, 384, rows},
        };
        double flops = 0, secs = 0;
        for (Object[] s : shapes) {
            String form = (String) s[0];
            int m = (int) s[1], n = (int) s[2], k = (int) s[3];
            Product p = switch (form) { case "nn" -> Gemm::nn; case "tn" -> Gemm::tn; default -> Gemm::nt; };
            Random r = new Random(1);
            float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
            for (int i = 0; i < a.length; i++) a[i] = r.nextFloat();
            for (int i = 0; i < b.length; i++) b[i] = r.nextFloat();
            for (int i = 0; i < 3; i++) p.run(a, b, c, m, n, k, false);
            double[] t = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                long t0 = System.nanoTime();
                p.run(a, b, c, m, n, k, false);
                t[i] = (System.nanoTime() - t0) / 1e9;
            }
            Arrays.sort(t);
            double med = t[repeats / 2], f = 2.0 * m * n * k;
            flops += f;
            secs += med;
            System.out.printf("{\"engine\":\"pith\",\"form\":\"%s\",\"m\":%d,\"n\":%d,\"k\":%d,\"threads\":%d,\"gflops\":%.1f}%n", form, m, n, k, threads, f / med / 1e9);
        }
        System.out.printf("{\"engine\":\"pith\",\"form\":\"all\",\"threads\":%d,\"gflops\":%.1f}%n", threads, flops / secs / 1e9);
    }
}
