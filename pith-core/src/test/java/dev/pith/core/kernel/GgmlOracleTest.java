package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.quant.ActivationQuantizer;
import dev.pith.core.quant.Bf16;
import dev.pith.core.quant.Quantizer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Agreement with ggml-cpu itself. ggml-oracle.txt was written by src/test/oracle/ggml_oracle.c
 * linked against ggml (CPU backend built with -march=native on an AVX-512 Sapphire Rapids): the
 * bytes of ggml's activation quantizers (the from_float of Q8_0, Q8_1, Q8_K), of its reference
 * weight quantizers (Q4_0 in full, every type as a hash over 32768 values of four kinds), and the
 * results of its vec_dot for every weight type. Inputs are regenerated here from the same
 * SplitMix64 stream.
 */
class GgmlOracleTest {
    static final int COLS = 512, ROWS = 4, NVEC = 3;
    static final DType[] WEIGHTS = {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_1, DType.Q5_0,
            DType.Q5_1, DType.Q2_K, DType.Q3_K, DType.Q4_K, DType.Q5_K, DType.Q6_K};

    /** SplitMix64, as in ggml_oracle.c. */
    static final class Stream {
        long state;
        Stream(long seed) { state = seed; }
        long next() {
            long z = (state += 0x9E3779B97F4A7C15L);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
        float uniform() { return (float) (next() >>> 40) * 0x1p-23f - 1.0f; }
        float scale() {
            long r = next();
            float s = (float) (1 + (r >>> 44)) * 0x1p-25f;
            return (r & 1) != 0 ? -s : s;
        }
    }

    static float[][] inputs() {
        Stream s = new Stream(1);
        float[][] x = new float[NVEC][COLS];
        for (int v = 0; v < NVEC; v++) {
            for (int i = 0; i < COLS; i++) {
                if (v == 0) x[v][i] = s.uniform();
                else if (v == 1) x[v][i] = (i % 32 == 7) ? 127.0f : (float) (Long.remainderUnsigned(s.next(), 509) - 254) * 0.5f;
                else x[v][i] = s.uniform() * ((i / 32) % 2 != 0 ? 0x1p-20f : 0x1p20f);
            }
        }
        return x;
    }

    static Tensor weights(DType t, int k) {
        Stream s = new Stream(1000 + k);
        int rowBytes = (int) t.bytesFor(COLS);
        byte[] w = new byte[rowBytes * ROWS];
        switch (t) {
            case F32 -> { for (int i = 0; i < COLS * ROWS; i++) putInt(w, 4 * i, Float.floatToRawIntBits(s.uniform())); }
            case F16 -> { for (int i = 0; i < COLS * ROWS; i++) putShort(w, 2 * i, Float.floatToFloat16(s.uniform())); }
            case BF16 -> { for (int i = 0; i < COLS * ROWS; i++) putShort(w, 2 * i, Bf16.fromFloat(s.uniform())); }
            default -> {
                for (int i = 0; i < w.length; i++) w[i] = (byte) (s.next() >>> 56);
                int[] fields = RandomTensors.halfFields(t);
                for (int b = 0; b < w.length / t.blockBytes(); b++) {
                    for (int f : fields) putShort(w, b * t.blockBytes() + f, Float.floatToFloat16(s.scale()));
                }
            }
        }
        MemorySegment seg = Arena.ofAuto().allocate(w.length);
        MemorySegment.copy(w, 0, seg, ValueLayout.JAVA_BYTE, 0, w.length);
        return new Tensor("oracle." + t, t, new long[] {COLS, ROWS}, seg);
    }

    static List<String[]> lines(String kind) throws IOException {
        List<String[]> out = new ArrayList<>();
        try (InputStream in = GgmlOracleTest.class.getResourceAsStream("ggml-oracle.txt")) {
            assertThat(in).as("ggml-oracle.txt on the test class path").isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                String[] f = line.trim().split(" ");
                if (f[0].equals(kind)) out.add(f);
            }
        }
        return out;
    }

    @Test
    void activationQuantizersAreByteIdenticalToGgmlCpu() throws IOException {
        float[][] x = inputs();
        List<String[]> acts = lines("act");
        assertThat(acts).hasSize(3 * NVEC);
        for (String[] f : acts) {
            DType type = DType.parse(f[1]);
            int v = Integer.parseInt(f[2]);
            assertThat(HexFormat.of().formatHex(ggmlBytes(type, x[v]))).as("%s of vector %d", type, v).isEqualTo(f[3]);
        }
    }

    @Test
    void q4_0ReferenceQuantizerIsByteIdenticalToGgml() throws IOException {
        float[][] x = inputs();
        List<String[]> ws = lines("weight");
        assertThat(ws).hasSize(NVEC);
        for (String[] f : ws) {
            int v = Integer.parseInt(f[2]);
            assertThat(HexFormat.of().formatHex(Quantizer.quantize(DType.Q4_0, x[v], COLS))).as("vector %d", v).isEqualTo(f[3]);
        }
    }

    /** ggml_oracle.c's quantizer input: 64 rows of 512 values of four kinds (see make_quant_input there). */
    static float[] quantInput() {
        Stream s = new Stream(7);
        float[] src = new float[64 * COLS];
        for (int r = 0; r < 64; r++) {
            for (int i = 0; i < COLS; i++) {
                float v = switch (r % 4) {
                    case 0 -> s.uniform();
                    case 1 -> s.uniform() * (1.0f / (float) (1 << (r % 20)));
                    case 2 -> (float) (Long.remainderUnsigned(s.next(), 33) - 16) * 0.25f;
                    default -> ((i / 32) % 2) != 0 ? s.uniform() * 1e-3f : 0.0f;
                };
                src[r * COLS + i] = v;
            }
        }
        return src;
    }

    static long fnv1a(byte[] b) {
        long h = 0xcbf29ce484222325L;
        for (byte x : b) {
            h ^= x & 0xFF;
            h *= 0x100000001b3L;
        }
        return h;
    }

    @Test
    void everyWeightQuantizerIsByteIdenticalToGgmlsReference() throws IOException {
        float[] src = quantInput();
        List<String[]> qs = lines("quant");
        assertThat(qs).hasSize(10);
        for (String[] f : qs) {
            DType type = DType.parse(f[1]);
            byte[] got = Quantizer.quantize(type, src, src.length);
            assertThat(String.format("%016x", fnv1a(got))).as("FNV-1a of %s blocks", type).isEqualTo(f[2]);
        }
    }

    @Test
    void q4_0RoundsTheProductBeforeAdding8Point5AsX86GgmlDoes() throws IOException {
        List<String[]> edge = lines("q4_0-edge");
        assertThat(edge).hasSize(1);
        byte[] raw = HexFormat.of().parseHex(edge.get(0)[1]);
        float[] block = new float[32];
        java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(block);
        String want = edge.get(0)[2];
        assertThat(HexFormat.of().formatHex(Quantizer.quantize(DType.Q4_0, block, 32))).isEqualTo(want);
        // The block was chosen so that a fused multiply-add would give other bytes: the check discriminates.
        float amax = 0, max = 0;
        for (float v : block) {
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float id = 1f / (max / -8f);
        boolean fusedDiffers = false;
        for (float v : block) fusedDiffers |= (byte) (int) Math.fma(v, id, 8.5f) != (byte) (int) (v * id + 8.5f);
        assertThat(fusedDiffers).isTrue();
    }

    @Test
    void dotProductsMatchGgmlCpu() throws IOException {
        float[][] x = inputs();
        List<String[]> dots = lines("dot");
        assertThat(dots).hasSize(WEIGHTS.length * NVEC * ROWS);
        int exact = 0;
        for (int k = 0; k < WEIGHTS.length; k++) {
            Tensor w = weights(WEIGHTS[k], k);
            float[] wf = dev.pith.core.quant.Dequantizer.dequantize(w);
            for (int v = 0; v < NVEC; v++) {
                float[] vec = new float[ROWS], scalar = new float[ROWS];
                MatMul.matvec(w, x[v], vec);
                MatMulScalar.matvec(w, x[v], scalar);
                for (String[] f : dots) {
                    if (!DType.parse(f[1]).equals(WEIGHTS[k]) || Integer.parseInt(f[2]) != v) continue;
                    int r = Integer.parseInt(f[3]);
                    float want = Float.intBitsToFloat(Integer.parseUnsignedInt(f[4], 16));
                    if (Float.isNaN(want)) {
                        // x of 2^20 overflows fp16 (F16 activations, Q8_1's s): ggml and Pith both end in inf - inf.
                        assertThat(vec[r]).as("%s vector %d row %d (MatMul)", WEIGHTS[k], v, r).isNaN();
                        assertThat(scalar[r]).as("%s vector %d row %d (MatMulScalar)", WEIGHTS[k], v, r).isNaN();
                        exact++;
                        continue;
                    }
                    // ggml's AVX kernels and ours add the same exact block sums in different orders, so
                    // allow float rounding relative to the size of the terms (results can cancel).
                    double mag = 0;
                    for (int i = 0; i < COLS; i++) mag += Math.abs((double) wf[r * COLS + i] * x[v][i]);
                    double tol = 1e-6 * mag;
                    assertThat((double) vec[r]).as("%s vector %d row %d (MatMul)", WEIGHTS[k], v, r).isCloseTo(want, within(tol));
                    assertThat((double) scalar[r]).as("%s vector %d row %d (MatMulScalar)", WEIGHTS[k], v, r).isCloseTo(want, within(tol));
                    if (vec[r] == want) exact++;
                }
            }
        }
        System.out.println("ggml oracle: " + exact + " of " + dots.size() + " dot products bit-identical to ggml-cpu");
    }

    /** Our activation quantization of x, laid out as ggml's block_q8_0 / block_q8_1 / block_q8_K. */
    static byte[] ggmlBytes(DType type, float[] x) {
        int n = x.length;
        byte[] qs = new byte[n];
        float[] d = new float[n / 32], s = new float[n / 32];
        short[] bsums = new short[n / 16];
        byte[] out = new byte[(int) type.bytesFor(n)];
        switch (type) {
            case Q8_0 -> {
                ActivationQuantizer.q8_0(x, 0, n, qs, 0, d, 0);
                for (int b = 0; b < n / 32; b++) {
                    putShort(out, 34 * b, Float.floatToFloat16(d[b]));
                    System.arraycopy(qs, 32 * b, out, 34 * b + 2, 32);
                }
            }
            case Q8_1 -> {
                ActivationQuantizer.q8_1(x, 0, n, qs, 0, d, s, 0);
                for (int b = 0; b < n / 32; b++) {
                    putShort(out, 36 * b, Float.floatToFloat16(d[b]));
                    putShort(out, 36 * b + 2, Float.floatToFloat16(s[b]));
                    System.arraycopy(qs, 32 * b, out, 36 * b + 4, 32);
                }
            }
            case Q8_K -> {
                ActivationQuantizer.q8_K(x, 0, n, qs, 0, d, 0, bsums, 0);
                for (int b = 0; b < n / 256; b++) {
                    putInt(out, 292 * b, Float.floatToRawIntBits(d[b]));
                    System.arraycopy(qs, 256 * b, out, 292 * b + 4, 256);
                    for (int j = 0; j < 16; j++) putShort(out, 292 * b + 260 + 2 * j, bsums[16 * b + j]);
                }
            }
            default -> throw new IllegalArgumentException(type.toString());
        }
        return out;
    }

    static void putShort(byte[] b, int off, short v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }

    static void putInt(byte[] b, int off, int v) {
        for (int i = 0; i < 4; i++) b[off + i] = (byte) (v >>> (8 * i));
    }
}
