package dev.pith.core.kernel;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.Tensor;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether an F16 tensor holds an infinity or a NaN, found once per tensor and kept with it
 * ({@link Tensor#derived}). {@link DecodeRows#f16}'s bit trick turns such halves into finite floats,
 * so it checks every 16 lanes of every row for them unless told the tensor has none; the check was
 * two of seven vector instructions per 16 weights, and llama-3.2-1b F16 generation ran 15-20 % faster
 * without it (bench/RESULTS.md, session 18). The scan reads the tensor once (~0.1 s for the 2.5 GB of
 * llama-3.2-1b F16 on 2 threads), at its first product.
 */
final class HalfSpecials {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** A half without its sign bit is at least this exactly when it is an infinity or a NaN. */
    static final short SPECIAL = 0x7C00, MAGNITUDE = 0x7FFF;
    private static final Object NONE = Boolean.FALSE, SOME = Boolean.TRUE;

    private HalfSpecials() {}

    /** True where the F16 tensor w holds no infinity and no NaN (false for any other type: nothing to skip). */
    static boolean none(Tensor w) {
        return w.type() == DType.F16 && w.derived(HalfSpecials::scan) == NONE;
    }

    private static Object scan(Tensor w) {
        if (w.type() != DType.F16) return SOME;
        MemorySegment data = w.data();
        long halves = w.elementCount();
        int pieces = (int) Math.min(256, Math.max(1, halves >>> 16));
        AtomicBoolean found = new AtomicBoolean();
        Parallel.forRange(pieces, 1, (from, to) -> {
            long a = halves * from / pieces, b = halves * to / pieces;
            if (!found.get() && any(data, a, b)) found.set(true);
        });
        return found.get() ? SOME : NONE;
    }

    /** Whether halves [from, to) of data hold an infinity or a NaN. */
    static boolean any(MemorySegment data, long from, long to) {
        long i = from;
        if (DotVector.S != null) {
            int lanes = DotVector.S.length();
            ShortVector top = ShortVector.zero(DotVector.S);
            for (; i + lanes <= to; i += lanes) top = top.max(ShortVector.fromMemorySegment(DotVector.S, data, 2 * i, LE).and(MAGNITUDE));
            if (top.compare(VectorOperators.GE, SPECIAL).anyTrue()) return true;
        }
        for (; i < to; i++) {
            if ((data.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * i) & MAGNITUDE) >= SPECIAL) return true;
        }
        return false;
    }
}
