package dev.pith.bench;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;
import dev.pith.core.kernel.MatMul;
import dev.pith.core.kernel.MatMulScalar;
import dev.pith.core.quant.Bf16;
import dev.pith.core.quant.Quantizer;
import org.openjdk.jmh.annotations.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Weight matrix × activations for every weight type Pith runs: the vectorised kernel against its
 * scalar twin, one vector (decode: per-row dots) and 64 vectors (a prompt: register tiles).
 * The matrix is SmolLM2-135M's ffn_down shape (576 rows × 1536 columns). One thread, so the figure
 * is the kernel's, not the thread pool's; GFLOP/s = 2·576·1536·vectors / time (run.sh prints it).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)   // the Vector API is very slow until C2 compiles it
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MatMulKernels {
    static final int ROWS = 576, COLS = 1536;

    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    public String type;

    @Param({"1", "64"})
    public int vectors;

    @Param({"vector", "scalar"})
    public String impl;

    Tensor w;
    float[] x, out;

    @Setup
    public void setup() {
        Parallel.setThreads(1);
        DType t = DType.valueOf(type);
        SplittableRandom r = new SplittableRandom(42);
        float[] values = new float[ROWS * COLS];
        for (int i = 0; i < values.length; i++) values[i] = (float) (r.nextDouble() * 2 - 1) * 0.05f;
        byte[] bytes = encode(t, values);
        MemorySegment seg = Arena.ofAuto().allocate(bytes.length, 64);
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
        w = new Tensor("bench." + type, t, new long[]{COLS, ROWS}, seg);
        x = new float[vectors * COLS];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        out = new float[vectors * ROWS];
    }

    private static byte[] encode(DType t, float[] v) {
        if (Quantizer.supports(t)) return Quantizer.quantize(t, v, v.length);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(Math.toIntExact(t.bytesFor(v.length))).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            switch (t) {
                case F32 -> b.putFloat(f);
                case F16 -> b.putShort(Float.floatToFloat16(f));
                case BF16 -> b.putShort(Bf16.fromFloat(f));
                default -> throw new IllegalArgumentException(t.toString());
            }
        }
        return b.array();
    }

    @Benchmark
    public float[] matmul() {
        if (impl.equals("vector")) MatMul.matmul(w, x, vectors, out);
        else MatMulScalar.matmul(w, x, vectors, out);
        return out;
    }
}
