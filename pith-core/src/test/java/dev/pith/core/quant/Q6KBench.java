package dev.pith.core.quant;

import java.util.SplittableRandom;

/** Q6_K row quantization, scalar scale search vs vector lanes (not a test: `java … dev.pith.core.quant.Q6KBench`). */
public final class Q6KBench {
    public static void main(String[] args) {
        int blocks = 20000;
        float[] x = new float[256 * blocks];
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian() * 0.02f;
        byte[] y = new byte[210 * blocks];
        for (int round = 0; round < 8; round++) {
            for (boolean lanes : new boolean[]{false, true}) {
                long t0 = System.nanoTime();
                for (int b = 0; b < blocks; b++) KQuantizer.q6_K(x, 256 * b, y, 210 * b, null, 0, lanes);
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf("round %d %s: %.1f M values/s%n", round, lanes ? "lanes " : "scalar", 256.0 * blocks / s / 1e6);
            }
        }
    }
}
