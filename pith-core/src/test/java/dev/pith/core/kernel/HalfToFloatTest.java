package dev.pith.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The vector fp16 → float conversion behind F16 matvec equals Float.float16ToFloat on all 65536 halves. */
class HalfToFloatTest {
    @Test
    void everyHalfConvertsExactly() {
        if (!DotVector.AVAILABLE) return;
        VectorSpecies<Short> s = VectorSpecies.of(short.class, VectorShape.forBitSize(DotVector.L * 16));
        short[] h = new short[DotVector.L];
        float[] out = new float[DotVector.L];
        for (int base = 0; base < 0x10000; base += DotVector.L) {
            for (int i = 0; i < h.length; i++) h[i] = (short) (base + i);
            FloatVector f = DotVector.halfToFloat(ShortVector.fromArray(s, h, 0));
            f.intoArray(out, 0);
            for (int i = 0; i < h.length; i++) {
                float want = Float.float16ToFloat(h[i]);
                if (Float.isNaN(want)) assertThat(out[i]).isNaN();
                else assertThat(Float.floatToRawIntBits(out[i])).as("half %04x", base + i).isEqualTo(Float.floatToRawIntBits(want));
            }
        }
    }

    @Test
    void vectorKernelsAreUsedOnThisMachine() {
        // Pith targets x86 with AVX2 / AVX-512 (8 or 16 float lanes); a build machine without them would test only the scalar path.
        assertThat(DotVector.AVAILABLE).as("preferred float lanes = %d", DotVector.L).isTrue();
    }
}
