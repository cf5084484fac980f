package dev.pith.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * How many vector operations of each kind one core retires per nanosecond (not a test): eight
 * independent chains of 512-bit float FMAs, 256-bit 16-bit multiplies, 256-bit 16-bit adds, and
 * multiply-add pairs, the operations the lane GEMMs ({@link Q4_0LaneGemm}) and the float GEMM are made
 * of. One zmm FMA per cycle (Zen 4) gives the clock; the others then read as operations per cycle.
 * Run from pith-core after {@code mvn test-compile}:
 * {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes dev.pith.core.kernel.PipeProbe}
 */
public final class PipeProbe {
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final short[] SHORTS = new short[8 * 16];
    private static final float[] FLOATS = new float[8 * 16];

    private PipeProbe() {}

    static float fma(int iterations) {
        FloatVector a0 = FloatVector.fromArray(F, FLOATS, 0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b = FloatVector.broadcast(F, 1.0001f), c = FloatVector.broadcast(F, 0.5f);
        for (int i = 0; i < iterations; i++) {
            a0 = a0.fma(b, c); a1 = a1.fma(b, c); a2 = a2.fma(b, c); a3 = a3.fma(b, c);
            a4 = a4.fma(b, c); a5 = a5.fma(b, c); a6 = a6.fma(b, c); a7 = a7.fma(b, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).reduceLanes(VectorOperators.ADD);
    }

    static short mul(int iterations) {
        ShortVector a0 = ShortVector.fromArray(S, SHORTS, 0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        ShortVector b = ShortVector.broadcast(S, (short) 3);
        for (int i = 0; i < iterations; i++) {
            a0 = a0.mul(b); a1 = a1.mul(b); a2 = a2.mul(b); a3 = a3.mul(b);
            a4 = a4.mul(b); a5 = a5.mul(b); a6 = a6.mul(b); a7 = a7.mul(b);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).reduceLanes(VectorOperators.ADD);
    }

    static short add(int iterations) {
        ShortVector a0 = ShortVector.fromArray(S, SHORTS, 0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        ShortVector b = ShortVector.broadcast(S, (short) 3);
        for (int i = 0; i < iterations; i++) {
            a0 = a0.add(b); a1 = a1.add(b); a2 = a2.add(b); a3 = a3.add(b);
            a4 = a4.add(b); a5 = a5.add(b); a6 = a6.add(b); a7 = a7.add(b);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).reduceLanes(VectorOperators.ADD);
    }

    /** acc += x · b for eight accumulators sharing one widened operand: a lane GEMM's column step. */
    static short mulAdd(int iterations) {
        ShortVector a0 = ShortVector.fromArray(S, SHORTS, 0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        ShortVector x = ShortVector.broadcast(S, (short) 5), b = ShortVector.broadcast(S, (short) 3);
        for (int i = 0; i < iterations; i++) {
            a0 = a0.add(x.mul(b)); a1 = a1.add(x.mul(a0)); a2 = a2.add(x.mul(b)); a3 = a3.add(x.mul(a2));
            a4 = a4.add(x.mul(b)); a5 = a5.add(x.mul(a4)); a6 = a6.add(x.mul(b)); a7 = a7.add(x.mul(a6));
            x = x.add(b);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).reduceLanes(VectorOperators.ADD);
    }

    public static void main(String[] args) {
        int iterations = 20_000_000;
        double ops = 8.0 * iterations;
        for (int round = 0; round < 6; round++) {
            long t0 = System.nanoTime();
            float f = fma(iterations);
            long t1 = System.nanoTime();
            short m = mul(iterations);
            long t2 = System.nanoTime();
            short a = add(iterations);
            long t3 = System.nanoTime();
            short ma = mulAdd(iterations);
            long t4 = System.nanoTime();
            double fmaNs = (t1 - t0) / ops;
            System.out.printf("ns/op: zmm FMA %.3f (%.2f GHz at one per cycle) | ymm 16-bit mul %.3f (%.2f per cycle) | ymm 16-bit add %.3f (%.2f per cycle) | mul+add pair %.3f   [%s]%n",
                    fmaNs, 1 / fmaNs, (t2 - t1) / ops, fmaNs / ((t2 - t1) / ops), (t3 - t2) / ops, fmaNs / ((t3 - t2) / ops), (t4 - t3) / ops,
                    f + "/" + m + "/" + a + "/" + ma);
        }
    }
}
