package dev.pith.model.runtime;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * e^x lane-wise from plain float operations, for the softmax (x ≤ 0, each score minus the row's
 * maximum) and the SwiGLU gate (e^-g, any sign), and its scalar twin with the very same operations
 * (Math.fma is the vector fma's exact fused rounding), so both give the same bits before and after
 * C2 compiles them, unlike the Vector API's EXP. Scalar Math.exp and its loop were 12 % of a
 * 512-token smollm2-135m prompt in the softmax (JFR, session 8) and 7 % in the SwiGLU (session 9).
 *
 * <p>The method: n = round(x·log2 e) (add-and-subtract 1.5·2²³), r = x − n·ln 2 in two fused steps
 * (ln 2 split in a float head and tail), e^r by its degree-7 Taylor polynomial in Horner form
 * (|r| ≤ 0.35, truncation below 6·10⁻⁹ relative), times 2ⁿ built in the exponent bits, in two
 * factors so that results down to float's subnormals come out (n ≥ −160 after the clamp). Error
 * against (float) Math.exp: at most 1 ulp for normal results ({@code LaneExpTest}); ggml's own
 * soft_max and silu use an approximate vector exp as well. Arguments below −110 give 0, above 89
 * give +∞ (clamped to 89, whose 2ⁿ with n = 128 still fits the two exponent factors and overflows in
 * the product as e^x does), NaN gives NaN.
 */
final class LaneExp {
    private static final float LOG2E = 1.44269504f, LN2_HI = 0.693145752f, LN2_LO = 1.42860677e-6f;
    private static final float ROUND = 12582912f, FLOOR = -110f, CEILING = 89f;
    private static final float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720, C7 = 1f / 5040;

    private LaneExp() {}

    /** e^x lane-wise; each lane equals {@link #exp(float)} of it bit for bit. */
    static FloatVector exp(FloatVector x) {
        x = x.max(FLOOR).min(CEILING);
        FloatVector n = x.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = n.fma(x.broadcast(-LN2_HI), x);
        r = n.fma(x.broadcast(-LN2_LO), r);
        FloatVector p = r.fma(C7, C6);
        p = p.fma(r, x.broadcast(C5));
        p = p.fma(r, x.broadcast(C4));
        p = p.fma(r, x.broadcast(C3));
        p = p.fma(r, x.broadcast(C2));
        p = p.fma(r, x.broadcast(1f));
        p = p.fma(r, x.broadcast(1f));
        IntVector k = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1), k2 = k.sub(k1);
        FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2);
    }

    /** The scalar twin: the same operations on one value. */
    static float exp(float x) {
        x = Math.min(Math.max(x, FLOOR), CEILING);
        float n = (x * LOG2E + ROUND) - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, C7, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        int k = (int) n, k1 = k >> 1, k2 = k - k1;
        return p * Float.intBitsToFloat((k1 + 127) << 23) * Float.intBitsToFloat((k2 + 127) << 23);
    }
}
