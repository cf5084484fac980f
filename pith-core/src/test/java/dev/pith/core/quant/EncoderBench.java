package dev.pith.core.quant;

import java.util.SplittableRandom;

/**
 * The block encoders with and without their vector twins, one thread, alternating in one JVM (not a
 * test): Q8_0 and Q4_0 ({@link LegacyLanes}), Q4_K ({@link Qkx2Lanes}, {@link Qkx2Lanes#BLOCKS} blocks per
 * search as `pith quantize` runs it), Q6_K ({@link QxLanes}), Q2_K ({@link Qkx2Lanes#searchSixteens}). Run after
 * `mvn -q -o test-compile -pl pith-core`:
 * {@code java --add-modules jdk.incubator.vector -cp pith-core/target/classes:pith-core/target/test-classes dev.pith.core.quant.EncoderBench}
 */
public final class EncoderBench {
    private EncoderBench() {}

    public static void main(String[] args) {
        SplittableRandom r = new SplittableRandom(1);
        int n = 256 * 4096;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        byte[] y = new byte[n / 32 * 34];
        int kb = Qkx2Lanes.BLOCKS;
        for (int rep = 0; rep < 6; rep++) {
            double q8v = time(() -> { for (int b = 0; b < n / 32; b++) LegacyLanes.q8_0(x, 32 * b, y, 34 * b); }, n);
            double q8s = time(() -> { for (int b = 0; b < n / 32; b++) Quantizer.q8_0(x, 32 * b, y, 34 * b); }, n);
            double q4v = time(() -> { for (int b = 0; b < n / 32; b++) LegacyLanes.q4_0(x, 32 * b, y, 18 * b); }, n);
            double q4s = time(() -> { for (int b = 0; b < n / 32; b++) Quantizer.q4_0(x, 32 * b, y, 18 * b); }, n);
            double k4v = time(() -> { for (int b = 0; b < n / 256; b += kb) KQuantizer.q4_K(x, 256 * b, kb, y, 144 * b, true); }, n);
            double k4s = time(() -> { for (int b = 0; b < n / 256; b++) KQuantizer.q4_K(x, 256 * b, y, 144 * b, false); }, n);
            double k6v = time(() -> { for (int b = 0; b < n / 256; b++) KQuantizer.q6_K(x, 256 * b, y, 210 * b, null, 0, true); }, n);
            double k6s = time(() -> { for (int b = 0; b < n / 256; b++) KQuantizer.q6_K(x, 256 * b, y, 210 * b, null, 0, false); }, n);
            double k2v = time(() -> { for (int b = 0; b < n / 256; b++) KQuantizer.q2_K(x, 256 * b, y, 84 * b, true); }, n);
            double k2s = time(() -> { for (int b = 0; b < n / 256; b++) KQuantizer.q2_K(x, 256 * b, y, 84 * b, false); }, n);
            System.out.printf("ns/value  Q8_0 lanes %.2f scalar %.2f | Q4_0 lanes %.2f scalar %.2f | Q4_K lanes %.1f scalar %.1f | Q6_K lanes %.1f scalar %.1f | Q2_K lanes %.1f scalar %.1f%n",
                    q8v, q8s, q4v, q4s, k4v, k4s, k6v, k6s, k2v, k2s);
            // bytes the lane encoders allocate per value once compiled: 0 expected (a boxed vector in a
            // search loop showed up here as 1.7-5 B/value and cost a quarter of the time)
            System.out.printf("B/value   Q4_K lanes %.2f | Q6_K lanes %.2f | Q2_K lanes %.2f%n",
                    allocated(() -> { for (int b = 0; b < n / 256; b += kb) KQuantizer.q4_K(x, 256 * b, kb, y, 144 * b, true); }, n),
                    allocated(() -> { for (int b = 0; b < n / 256; b++) KQuantizer.q6_K(x, 256 * b, y, 210 * b, null, 0, true); }, n),
                    allocated(() -> { for (int b = 0; b < n / 256; b++) KQuantizer.q2_K(x, 256 * b, y, 84 * b, true); }, n));
        }
    }

    private static double allocated(Runnable body, int values) {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        body.run();
        return (threads.getCurrentThreadAllocatedBytes() - before) / (double) values;
    }

    private static double time(Runnable body, int values) {
        long t0 = System.nanoTime();
        body.run();
        return (System.nanoTime() - t0) / (double) values;
    }
}
