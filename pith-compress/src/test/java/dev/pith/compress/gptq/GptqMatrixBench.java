package dev.pith.compress.gptq;

/**
 * Time of GPTQ on one random n-wide matrix (not a test): the factorization (Cholesky.upperOfInverse) and
 * Gptq.quantize to Q4_0. Args: n rows. Run after `mvn -q -o test-compile -pl pith-compress -am`:
 * {@code java --add-modules jdk.incubator.vector -cp pith-compress/target/classes:pith-compress/target/test-classes:pith-core/target/classes:pith-model/target/classes dev.pith.compress.gptq.GptqMatrixBench 2048 2048}
 */
public final class GptqMatrixBench {
    private GptqMatrixBench() {}

    public static void main(String[] a) {
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
}
