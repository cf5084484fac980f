package dev.pith.model.runtime;

import org.openjdk.jmh.annotations.*;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The runtime's element-wise kernels (RMSNorm, softmax, SwiGLU, attention's dot and weighted sum),
 * vectorised ({@code VectorOps}) against the scalar twins ({@code Ops}; the dot against a plain loop),
 * at two model widths. Lives in
 * the runtime's package because both classes are package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)   // the Vector API is very slow until C2 compiles it
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ElementwiseKernels {
    @Param({"576", "1536"})
    public int n;

    float[] a, b, c, weight, out;

    @Setup
    public void setup() {
        SplittableRandom r = new SplittableRandom(7);
        a = new float[n]; b = new float[n]; c = new float[n]; weight = new float[n]; out = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian(); b[i] = (float) r.nextGaussian(); weight[i] = 1f + 0.1f * (float) r.nextGaussian();
        }
    }

    @Benchmark public float[] rmsNormVector() { VectorOps.rmsNorm(out, 0, a, 0, weight, n, 1e-5f); return out; }
    @Benchmark public float[] rmsNormScalar() { Ops.rmsNorm(out, 0, a, 0, weight, n, 1e-5f); return out; }
    @Benchmark public float[] softmaxVector() { System.arraycopy(a, 0, c, 0, n); VectorOps.softmax(c, 0, n); return c; }
    @Benchmark public float[] softmaxScalar() { System.arraycopy(a, 0, c, 0, n); Ops.softmax(c, 0, n); return c; }
    @Benchmark public float[] swigluVector() { System.arraycopy(a, 0, c, 0, n); VectorOps.swiglu(c, b, 0, n); return c; }
    @Benchmark public float[] swigluScalar() { System.arraycopy(a, 0, c, 0, n); Ops.swiglu(c, b, n); return c; }
    @Benchmark public float dotVector() { return VectorOps.dot(a, 0, b, 0, n); }
    @Benchmark public float dotScalar() {
        float s = 0;   // the scalar reference attention uses: a plain loop
        for (int i = 0; i < n; i++) s += a[i] * b[i];
        return s;
    }
}
