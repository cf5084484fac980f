package dev.pith.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tile shared by the packed GEMMs ({@link PackedGemm} for prompts, the training
 * engine's Gemm): C's MR × NR tile lives in 16 vector accumulators (8 rows × 2 vectors) while one
 * packed A panel (MR values per step) and one packed B panel (NR values per step) stream through,
 * one broadcast and two FMAs per row and step. Packing, blocking and threading stay with the
 * callers; this is only the innermost loop, so both GEMMs run the same instructions.
 */
public final class MicroKernel {
    /** The vector shape of the tile (the widest up to 512 bits); callers pack their panels with it. */
    public static final VectorSpecies<Float> F = DotVector.F;
    private static final int L = F.length();
    /** Tile rows (one broadcast A value each) and columns (two float vectors). */
    public static final int MR = 8, NR = 2 * L;

    private MicroKernel() {}

    /** A partial tile: through the scratch tile, then only the mr × nr corner goes back to c. */
    public static void edge(float[] tile, float[] ap, int ao, float[] bp, int bo, int kc, float[] c, int co, int ldc,
                             boolean load, int mr, int nr) {
        java.util.Arrays.fill(tile, 0f);
        if (load) for (int i = 0; i < mr; i++) System.arraycopy(c, co + i * ldc, tile, i * NR, nr);
        kernel(ap, ao, bp, bo, kc, tile, 0, NR, true);
        for (int i = 0; i < mr; i++) System.arraycopy(tile, i * NR, c, co + i * ldc, nr);
    }

    /** Tile of C (MR × NR at co, row stride ldc) (+)= A panel (MR wide, p-major) · B panel (NR wide, p-major) over kc steps. */
    public static void kernel(float[] ap, int ao, float[] bp, int bo, int kc, float[] c, int co, int ldc, boolean load) {
        int r0 = co, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc, r6 = r5 + ldc, r7 = r6 + ldc;
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (load) {
            c00 = FloatVector.fromArray(F, c, r0); c01 = FloatVector.fromArray(F, c, r0 + L);
            c10 = FloatVector.fromArray(F, c, r1); c11 = FloatVector.fromArray(F, c, r1 + L);
            c20 = FloatVector.fromArray(F, c, r2); c21 = FloatVector.fromArray(F, c, r2 + L);
            c30 = FloatVector.fromArray(F, c, r3); c31 = FloatVector.fromArray(F, c, r3 + L);
            c40 = FloatVector.fromArray(F, c, r4); c41 = FloatVector.fromArray(F, c, r4 + L);
            c50 = FloatVector.fromArray(F, c, r5); c51 = FloatVector.fromArray(F, c, r5 + L);
            c60 = FloatVector.fromArray(F, c, r6); c61 = FloatVector.fromArray(F, c, r6 + L);
            c70 = FloatVector.fromArray(F, c, r7); c71 = FloatVector.fromArray(F, c, r7 + L);
        } else {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = FloatVector.zero(F);
        }
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR, ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(F, bp, bi);
            FloatVector b1 = FloatVector.fromArray(F, bp, bi + L);
            FloatVector x = FloatVector.broadcast(F, ap[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, ap[ai + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, ap[ai + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(F, ap[ai + 6]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(F, ap[ai + 7]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        c00.intoArray(c, r0); c01.intoArray(c, r0 + L);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + L);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + L);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + L);
        c40.intoArray(c, r4); c41.intoArray(c, r4 + L);
        c50.intoArray(c, r5); c51.intoArray(c, r5 + L);
        c60.intoArray(c, r6); c61.intoArray(c, r6 + L);
        c70.intoArray(c, r7); c71.intoArray(c, r7 + L);
    }
}
