package dev.pith.core.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link KQuantizer#makeQxQuants} for the sixteen 16-value sub-blocks of a Q6_K super-block at
 * once, one sub-block per vector lane. Byte parity with ggml needs every sub-block's floats added
 * in ggml's order (element 0, 1, 2 ... of that sub-block), which a vector ACROSS a sub-block would
 * break; lanes that each own a whole sub-block keep that order exactly, and the lanewise multiply,
 * add and divide are the same IEEE single-precision operations the scalar code does (the Vector
 * API never fuses a multiply and an add). The super-block is transposed once so that lane j reads
 * sub-block j's element i from one contiguous vector. The scalar twin is makeQxQuants itself;
 * QxLanesTest compares the two bit for bit.
 *
 * <p>This search is 80 % of `pith quantize --type Q4_0` on a tied-embedding model (the embedding
 * becomes Q6_K, 128k × 2048 values for llama-3.2-1b), hence a kernel of its own.
 */
final class QxLanes {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() >= 16 ? FloatVector.SPECIES_512
            : FloatVector.SPECIES_PREFERRED.length() >= 8 ? FloatVector.SPECIES_256 : FloatVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int N = 16, NMAX = 32;
    /** Whether the lanes are used (ggml's results either way); off with -Dpith.quant.scalar=true, for the comparison tests. */
    static final boolean ENABLED = !Boolean.getBoolean("pith.quant.scalar");

    private QxLanes() {}

    /**
     * make_qx_quants(16, 32, …, rmse_type 1) of x[xo + 16j .. xo + 16j + 16) for j = 0..15: the
     * codes L[16j + i] = l + 32 and the returned scales[j]; weights qw[qo + 16j + i] when qw is
     * not null, else x².
     */
    static void search(float[] x, int xo, float[] qw, int qo, byte[] L, float[] scales) {
        float[] xt = new float[256], wt = new float[256];
        for (int j = 0; j < N; j++) {
            for (int i = 0; i < N; i++) {
                float v = x[xo + N * j + i];
                xt[N * i + j] = v;
                wt[N * i + j] = qw != null ? qw[qo + N * j + i] : v * v;
            }
        }
        int[] lt = new int[256], best = new int[256];
        for (int j0 = 0; j0 < N; j0 += F.length()) search(xt, wt, j0, lt, best, scales);
        for (int j = 0; j < N; j++) for (int i = 0; i < N; i++) L[N * j + i] = (byte) best[N * i + j];
    }

    private static IntVector nearestInt(FloatVector f) {
        IntVector bits = f.add(12582912f).reinterpretAsInts();
        return bits.and(0x007fffff).sub(0x00400000);
    }

    private static IntVector clamp(IntVector l) {
        return l.max(-NMAX).min(NMAX - 1);
    }

    /** Lanes j0 .. j0 + lanes of the transposed block; codes of the best candidate so far in best (transposed). */
    private static void search(float[] xt, float[] wt, int j0, int[] lt, int[] best, float[] scales) {
        // signedAbsMax: strictly larger magnitude replaces, so the first of equal magnitudes stays
        FloatVector max = FloatVector.zero(F), amax = FloatVector.zero(F);
        for (int i = 0; i < N; i++) {
            FloatVector v = FloatVector.fromArray(F, xt, N * i + j0);
            FloatVector av = v.abs();
            VectorMask<Float> bigger = av.compare(VectorOperators.GT, amax);
            amax = amax.blend(av, bigger);
            max = max.blend(v, bigger);
        }
        VectorMask<Float> empty = amax.compare(VectorOperators.LT, 1e-15f);
        FloatVector iscale = FloatVector.broadcast(F, (float) -NMAX).div(max);
        FloatVector sumlx = FloatVector.zero(F), suml2 = FloatVector.zero(F);
        for (int i = 0; i < N; i++) {
            FloatVector xi = FloatVector.fromArray(F, xt, N * i + j0), w = FloatVector.fromArray(F, wt, N * i + j0);
            IntVector l = clamp(nearestInt(iscale.mul(xi)));
            l.add(NMAX).intoArray(best, N * i + j0);
            FloatVector lf = (FloatVector) l.convert(VectorOperators.I2F, 0);
            sumlx = sumlx.add(w.mul(xi).mul(lf));
            suml2 = suml2.add(w.mul(lf).mul(lf));
        }
        VectorMask<Float> nonzero = suml2.compare(VectorOperators.NE, 0f);
        FloatVector scale = FloatVector.zero(F).blend(sumlx.div(suml2), nonzero);
        FloatVector bestErr = scale.mul(sumlx);
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = FloatVector.broadcast(F, -(NMAX + 0.1f * is)).div(max);
            sumlx = FloatVector.zero(F);
            suml2 = FloatVector.zero(F);
            for (int i = 0; i < N; i++) {
                FloatVector xi = FloatVector.fromArray(F, xt, N * i + j0), w = FloatVector.fromArray(F, wt, N * i + j0);
                IntVector l = clamp(nearestInt(iscale.mul(xi)));
                l.add(NMAX).intoArray(lt, N * i + j0);
                FloatVector lf = (FloatVector) l.convert(VectorOperators.I2F, 0);
                sumlx = sumlx.add(w.mul(xi).mul(lf));
                suml2 = suml2.add(w.mul(lf).mul(lf));
            }
            VectorMask<Float> better = suml2.compare(VectorOperators.GT, 0f)
                    .and(sumlx.mul(sumlx).compare(VectorOperators.GT, bestErr.mul(suml2)));
            if (!better.anyTrue()) continue;
            VectorMask<Integer> betterI = better.cast(I);
            for (int i = 0; i < N; i++) {
                IntVector b = IntVector.fromArray(I, best, N * i + j0);
                b.blend(IntVector.fromArray(I, lt, N * i + j0), betterI).intoArray(best, N * i + j0);
            }
            scale = scale.blend(sumlx.div(suml2), better);
            bestErr = bestErr.blend(scale.mul(sumlx), better);
        }
        // a sub-block below ggml's GROUP_MAX_EPS gets scale 0 and codes 0 (not 32: makeQxQuants writes L = 0 there)
        scale = scale.blend(0f, empty);
        scale.intoArray(scales, j0);
        VectorMask<Integer> emptyI = empty.cast(I);
        for (int i = 0; i < N; i++) {
            IntVector.fromArray(I, best, N * i + j0).blend(0, emptyI).intoArray(best, N * i + j0);
        }
    }
}
