package dev.pith.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * A lane sum with a fixed order. {@code reduceLanes(ADD)} on floats may add in a different order
 * when C2 compiles it than when the interpreter runs it, so the same dot product could round
 * differently before and after warm-up; a batch and a single token would then disagree in the last
 * bit. Here the halves are folded onto each other (lane i + lane i+L/2, then i + L/4, ...) with
 * lane-wise adds, which every execution mode computes identically, and it costs about what the
 * intrinsic reduction does.
 */
public final class Lanes {
    private Lanes() {}

    /** The sum of v's lanes, folded in halves; v may have 4, 8 or 16 lanes. */
    public static float sum(FloatVector v) {
        Folds f = Folds.of(v.species());
        if (f.s8 != null) v = v.add(v.rearrange(f.s8));
        if (f.s4 != null) v = v.add(v.rearrange(f.s4));
        v = v.add(v.rearrange(f.s2));
        v = v.add(v.rearrange(f.s1));
        return v.lane(0);
    }

    /**
     * The scalar twin of {@link #sum} for a vector already stored at {@code a[off .. off+lanes)}:
     * the same folds in the same order, so it returns the same float. Destroys the stored lanes.
     */
    public static float sum(float[] a, int off, int lanes) {
        for (int h = lanes / 2; h >= 1; h /= 2) {
            for (int i = 0; i < h; i++) a[off + i] += a[off + i + h];
        }
        return a[off];
    }

    /** Shuffles that move lane i + k to lane i, for k = 8, 4, 2, 1 (those below the lane count). */
    private record Folds(VectorShuffle<Float> s8, VectorShuffle<Float> s4, VectorShuffle<Float> s2, VectorShuffle<Float> s1) {
        private static final Folds F512 = make(FloatVector.SPECIES_512);
        private static final Folds F256 = make(FloatVector.SPECIES_256);
        private static final Folds F128 = make(FloatVector.SPECIES_128);

        static Folds of(VectorSpecies<Float> s) {
            return switch (s.length()) {
                case 16 -> F512;
                case 8 -> F256;
                case 4 -> F128;
                default -> throw new IllegalArgumentException("no fold for " + s.length() + " lanes");
            };
        }

        static Folds make(VectorSpecies<Float> s) {
            int n = s.length();
            return new Folds(n > 8 ? shift(s, 8) : null, n > 4 ? shift(s, 4) : null, shift(s, 2), shift(s, 1));
        }

        private static VectorShuffle<Float> shift(VectorSpecies<Float> s, int k) {
            return VectorShuffle.fromOp(s, i -> (i + k) % s.length());
        }
    }
}
