package dev.pith.compress.gptq;

/**
 * Time of GPTQ on one random n-wide matrix (not a test): the factorization (Cholesky.upperOfInverse) and
 * Gptq.quantize to Q4_0. Args: n rows (or {@code chol n reps}: old vs new Cholesky.lower; {@code uoi n}: upperOfInverse alone; {@code parts n}: its four steps timed one by one). Run after `mvn -q -o test-compile -pl pith-compress -am`:
 * {@code java --add-modules jdk.incubator.vector -cp pith-compress/target/classes:pith-compress/target/test-classes:pith-core/target/classes:pith-model/target/classes dev.pith.compress.gptq.GptqMatrixBench 2048 2048}
 */
public final class GptqMatrixBench {
    private GptqMatrixBench() {}

    public static void main(String[] a) {
        if (a[0].equals("chol")) {
            choleskyOldVsNew(Integer.parseInt(a[1]), Integer.parseInt(a[2]));
            return;
        }
        if (a[0].equals("parts")) {
            // upperOfInverse's four steps timed one by one: lower, invertLower, L⁻ᵀL⁻¹, lower
            int n = Integer.parseInt(a[1]);
            double[] m = diagonallyDominant(n);
            long t0 = System.nanoTime();
            double[] l = Cholesky.lower(m, n);
            long t1 = System.nanoTime();
            double[] li = Cholesky.invertLower(l, n);
            long t2 = System.nanoTime();
            double[] lt = new double[n * n];
            for (int k = 0; k < n; k++) for (int i = 0; i <= k; i++) lt[i * n + k] = li[k * n + i];
            double[] inv = Cholesky.inverseProduct(lt, n);
            long t3 = System.nanoTime();
            Cholesky.lower(inv, n);
            long t4 = System.nanoTime();
            System.out.printf("n=%d: lower %.2f s, invertLower %.2f s, product %.2f s, lower %.2f s%n", n,
                    (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t4 - t3) / 1e9);
            return;
        }
        if (a[0].equals("uoi")) {
            // the whole factorization GPTQ runs (2 × lower, invertLower, L⁻ᵀL⁻¹) without the Hessian collection
            int n = Integer.parseInt(a[1]);
            double[] m = diagonallyDominant(n);
            long t0 = System.nanoTime();
            double[] u = Cholesky.upperOfInverse(m, n);
            System.out.printf("n=%d: upperOfInverse %.2f s (%s)%n", n, (System.nanoTime() - t0) / 1e9, u == null ? "not SPD" : "ok");
            return;
        }
        int n = Integer.parseInt(a[0]), rows = Integer.parseInt(a[1]);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        float[] w = new float[rows * n];
        for (int i = 0; i < w.length; i++) w[i] = (float) (rng.nextGaussian() * 0.05);
        int samples = 2 * n;
        float[] x = new float[samples * n];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        HessianCollector hc = new HessianCollector();
        hc.linearInput("m", x, samples, n);
        double[] h = hc.hessians().get("m").h();
        long t0 = System.nanoTime();
        Cholesky.upperOfInverse(h.clone(), n);
        long t1 = System.nanoTime();
        new Gptq(0.01, false).quantize(w, rows, n, h, dev.pith.core.DType.Q4_0);
        long t2 = System.nanoTime();
        System.out.printf("n=%d rows=%d: upperOfInverse %.2f s, Gptq.quantize (factorization included) %.2f s%n", n, rows, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
    }

    /**
     * Args {@code chol n reps}: Cholesky.lowerSequential (the one-thread twin, "old") and Cholesky.lower
     * ("new") alternately on one n × n SPD matrix (symmetric, entries in ±1, diagonal n: diagonally
     * dominant, so positive definite; the time does not depend on the values), checking the bits agree.
     */
    private static void choleskyOldVsNew(int n, int reps) {
        double[] m = diagonallyDominant(n);
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            double[] old = Cholesky.lowerSequential(m, n);
            long t1 = System.nanoTime();
            double[] neu = Cholesky.lower(m, n);
            long t2 = System.nanoTime();
            System.out.printf("n=%d threads=%d: lowerSequential %.2f s, lower %.2f s, ratio %.2f, equal %b%n", n,
                    dev.pith.core.Parallel.threads(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, (double) (t1 - t0) / (t2 - t1),
                    java.util.Arrays.equals(old, neu));
        }
    }

    private static double[] diagonallyDominant(int n) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(7);
        double[] m = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) m[i * n + j] = m[j * n + i] = rng.nextDouble(-1, 1);
            m[i * n + i] = n;
        }
        return m;
    }
}
