package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.quant.Bytes;
import dev.pith.core.quant.KScales;

import java.lang.foreign.MemorySegment;

/**
 * Plain-Java dot products of one weight row with one prepared activation vector, written as
 * ggml-cpu's generic (non-SIMD) vec_dot functions compute them: an exact integer sum per block,
 * scaled by {@code d_w * d_x} and added up in float, plus the min terms of the types that have one.
 * This is the reference the vectorised {@link DotVector} is tested against.
 */
final class DotScalar {
    private DotScalar() {}

    /** Row at byte {@code off} of {@code w} times vector {@code t} of {@code a}; {@code cols} values. */
    static float dot(DType type, MemorySegment w, long off, Activations a, int t, int cols) {
        int xo = t * cols;
        return switch (type) {
            case F32 -> f32(w, off, a.values, xo, cols);
            case F16 -> f16(w, off, a.values, xo, cols);
            case BF16 -> bf16(w, off, a.values, xo, cols);
            case Q8_0 -> q8_0(w, off, a, xo, cols);
            case Q4_0 -> q4_0(w, off, a, xo, cols);
            case Q4_1 -> q4_1(w, off, a, xo, cols);
            case Q5_0 -> q5_0(w, off, a, xo, cols);
            case Q5_1 -> q5_1(w, off, a, xo, cols);
            case Q2_K -> q2_K(w, off, a, xo, cols);
            case Q3_K -> q3_K(w, off, a, xo, cols);
            case Q4_K -> q4_K(w, off, a, xo, cols);
            case Q5_K -> q5_K(w, off, a, xo, cols);
            case Q6_K -> q6_K(w, off, a, xo, cols);
            default -> throw new IllegalArgumentException("no dot product for " + type);
        };
    }

    // Float types: products in float, summed in double, as ggml's generic ggml_vec_dot_f32/f16/bf16.

    static float f32(MemorySegment w, long off, float[] x, int xo, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Bytes.f32(w, off + 4L * i) * x[xo + i];
        return (float) sum;
    }

    static float f16(MemorySegment w, long off, float[] x, int xo, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Bytes.f16(w, off + 2L * i) * x[xo + i];
        return (float) sum;
    }

    static float bf16(MemorySegment w, long off, float[] x, int xo, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Bytes.bf16(w, off + 2L * i) * x[xo + i];
        return (float) sum;
    }

    // 32-value blocks against Q8_0 / Q8_1 activations.

    static float q8_0(MemorySegment w, long off, Activations a, int xo, int n) {
        float sumf = 0;
        for (int b = 0; b < n / 32; b++) {
            long p = off + 34L * b;
            int x = xo + 32 * b;
            int sumi = 0;
            for (int j = 0; j < 32; j++) sumi += Bytes.i8(w, p + 2 + j) * a.qs[x + j];
            sumf += sumi * (Bytes.f16(w, p) * a.d[x / 32]);
        }
        return sumf;
    }

    static float q4_0(MemorySegment w, long off, Activations a, int xo, int n) {
        float sumf = 0;
        for (int b = 0; b < n / 32; b++) {
            long p = off + 18L * b;
            int x = xo + 32 * b;
            int sumi = 0;
            for (int j = 0; j < 16; j++) {
                int q = Bytes.u8(w, p + 2 + j);
                sumi += ((q & 0xF) - 8) * a.qs[x + j] + ((q >>> 4) - 8) * a.qs[x + 16 + j];
            }
            sumf += sumi * Bytes.f16(w, p) * a.d[x / 32];
        }
        return sumf;
    }

    static float q4_1(MemorySegment w, long off, Activations a, int xo, int n) {
        float sumf = 0;
        for (int b = 0; b < n / 32; b++) {
            long p = off + 20L * b;
            int x = xo + 32 * b;
            int sumi = 0;
            for (int j = 0; j < 16; j++) {
                int q = Bytes.u8(w, p + 4 + j);
                sumi += (q & 0xF) * a.qs[x + j] + (q >>> 4) * a.qs[x + 16 + j];
            }
            sumf += (Bytes.f16(w, p) * a.d[x / 32]) * sumi + Bytes.f16(w, p + 2) * a.s[x / 32];
        }
        return sumf;
    }

    static float q5_0(MemorySegment w, long off, Activations a, int xo, int n) {
        float sumf = 0;
        for (int b = 0; b < n / 32; b++) {
            long p = off + 22L * b;
            int x = xo + 32 * b;
            int qh = Bytes.i32(w, p + 2);
            int sumi = 0;
            for (int j = 0; j < 16; j++) {
                int q = Bytes.u8(w, p + 6 + j);
                int x0 = ((q & 0xF) | (((qh >>> j) & 1) << 4)) - 16;
                int x1 = ((q >>> 4) | (((qh >>> (j + 16)) & 1) << 4)) - 16;
                sumi += x0 * a.qs[x + j] + x1 * a.qs[x + 16 + j];
            }
            sumf += (Bytes.f16(w, p) * a.d[x / 32]) * sumi;
        }
        return sumf;
    }

    static float q5_1(MemorySegment w, long off, Activations a, int xo, int n) {
        float sumf = 0;
        for (int b = 0; b < n / 32; b++) {
            long p = off + 24L * b;
            int x = xo + 32 * b;
            int qh = Bytes.i32(w, p + 4);
            int sumi = 0;
            for (int j = 0; j < 16; j++) {
                int q = Bytes.u8(w, p + 8 + j);
                int x0 = (q & 0xF) | (((qh >>> j) & 1) << 4);
                int x1 = (q >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
                sumi += x0 * a.qs[x + j] + x1 * a.qs[x + 16 + j];
            }
            sumf += (Bytes.f16(w, p) * a.d[x / 32]) * sumi + Bytes.f16(w, p + 2) * a.s[x / 32];
        }
        return sumf;
    }

    // 256-value super-blocks against Q8_K activations (float d, sums of every 16 quants).

    static float q2_K(MemorySegment w, long off, Activations a, int xo, int n) {
        float sumf = 0;
        for (int b = 0; b < n / 256; b++) {
            long p = off + 84L * b;
            int x = xo + 256 * b;
            int summs = 0;
            for (int j = 0; j < 16; j++) summs += a.bsums[x / 16 + j] * (Bytes.u8(w, p + j) >>> 4);
            int isum = 0;
            for (int g = 0; g < 16; g++) {
                // Group g: 16 values at bits 2*((g/2)%4) of qs bytes 32*(g/8) + 16*(g%2) ...
                long q = p + 16 + 32 * (g / 8) + 16 * (g % 2);
                int shift = 2 * ((g / 2) % 4);
                int isuml = 0;
                for (int l = 0; l < 16; l++) isuml += a.qs[x + 16 * g + l] * ((Bytes.u8(w, q + l) >>> shift) & 3);
                isum += (Bytes.u8(w, p + g) & 0xF) * isuml;
            }
            float yd = a.d[x / 256];
            float dall = yd * Bytes.f16(w, p + 80);
            float dmin = yd * Bytes.f16(w, p + 82);
            sumf += dall * isum - dmin * summs;
        }
        return sumf;
    }

    static float q3_K(MemorySegment w, long off, Activations a, int xo, int n) {
        float sumf = 0;
        for (int b = 0; b < n / 256; b++) {
            long p = off + 110L * b;
            int x = xo + 256 * b;
            int isum = 0;
            for (int g = 0; g < 16; g++) {
                long q = p + 32 + 32 * (g / 8) + 16 * (g % 2);
                long hm = p + 16 * (g % 2);
                int shift = 2 * ((g / 2) % 4);
                int m = 1 << (g / 2);
                int isuml = 0;
                for (int l = 0; l < 16; l++) {
                    int v = ((Bytes.u8(w, q + l) >>> shift) & 3) - ((Bytes.u8(w, hm + l) & m) != 0 ? 0 : 4);
                    isuml += a.qs[x + 16 * g + l] * v;
                }
                isum += KScales.scaleQ3K(w, p + 96, g) * isuml;
            }
            sumf += Bytes.f16(w, p + 108) * a.d[x / 256] * isum;
        }
        return sumf;
    }

    static float q4_K(MemorySegment w, long off, Activations a, int xo, int n) {
        float sumf = 0;
        for (int b = 0; b < n / 256; b++) {
            long p = off + 144L * b;
            int x = xo + 256 * b;
            int summs = 0;
            for (int j = 0; j < 16; j++) summs += a.bsums[x / 16 + j] * KScales.minK4(w, p + 4, j / 2);
            int isum = 0;
            for (int sub = 0; sub < 8; sub++) {
                long q = p + 16 + 32 * (sub / 2);
                int shift = 4 * (sub % 2);
                int isuml = 0;
                for (int l = 0; l < 32; l++) isuml += a.qs[x + 32 * sub + l] * ((Bytes.u8(w, q + l) >>> shift) & 0xF);
                isum += KScales.scaleK4(w, p + 4, sub) * isuml;
            }
            float yd = a.d[x / 256];
            sumf += Bytes.f16(w, p) * yd * isum - Bytes.f16(w, p + 2) * yd * summs;
        }
        return sumf;
    }

    static float q5_K(MemorySegment w, long off, Activations a, int xo, int n) {
        float sumf = 0;
        for (int b = 0; b < n / 256; b++) {
            long p = off + 176L * b;
            int x = xo + 256 * b;
            int summs = 0;
            for (int j = 0; j < 16; j++) summs += a.bsums[x / 16 + j] * KScales.minK4(w, p + 4, j / 2);
            int isum = 0;
            for (int sub = 0; sub < 8; sub++) {
                long q = p + 48 + 32 * (sub / 2);
                int shift = 4 * (sub % 2);
                int isuml = 0;
                for (int l = 0; l < 32; l++) {
                    int v = ((Bytes.u8(w, q + l) >>> shift) & 0xF) | (((Bytes.u8(w, p + 16 + l) >>> sub) & 1) << 4);
                    isuml += a.qs[x + 32 * sub + l] * v;
                }
                isum += KScales.scaleK4(w, p + 4, sub) * isuml;
            }
            float yd = a.d[x / 256];
            sumf += Bytes.f16(w, p) * yd * isum - Bytes.f16(w, p + 2) * yd * summs;
        }
        return sumf;
    }

    static float q6_K(MemorySegment w, long off, Activations a, int xo, int n) {
        float sumf = 0;
        for (int b = 0; b < n / 256; b++) {
            long p = off + 210L * b;
            int x = xo + 256 * b;
            int isum = 0;
            for (int g = 0; g < 16; g++) {
                // Group g covers values 16g..16g+15: half h = g/8, quarter k = (g/2)%4 picks the
                // nibble (low for k even) of ql[64h + 32*(k%2) + ...] and bits 2k of qh[32h + ...].
                int h = g / 8, k = (g / 2) % 4, l0 = 16 * (g % 2);
                long ql = p + 64 * h + 32 * (k % 2);
                long qh = p + 128 + 32 * h;
                int isuml = 0;
                for (int l = l0; l < l0 + 16; l++) {
                    int lo = (Bytes.u8(w, ql + l) >>> (4 * (k / 2))) & 0xF;
                    int hi = (Bytes.u8(w, qh + l) >>> (2 * k)) & 3;
                    isuml += a.qs[x + 16 * g + l - l0] * ((lo | (hi << 4)) - 32);
                }
                isum += Bytes.i8(w, p + 192 + g) * isuml;
            }
            sumf += Bytes.f16(w, p + 208) * a.d[x / 256] * isum;
        }
        return sumf;
    }
}
