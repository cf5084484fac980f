package dev.pith.core.quant;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class KScalesTest {
    @Test
    void packedK4ScalesAndMinsEqualTheOneAtATimeDecoding() {
        Random rnd = new Random(9);
        byte[] b = new byte[12];
        for (int trial = 0; trial < 2000; trial++) {
            rnd.nextBytes(b);
            MemorySegment s = MemorySegment.ofArray(b);
            long scales = KScales.scalesK4(s, 0), mins = KScales.minsK4(s, 0);
            for (int j = 0; j < 8; j++) {
                assertThat(KScales.at(scales, j)).isEqualTo(KScales.scaleK4(s, 0, j));
                assertThat(KScales.at(mins, j)).isEqualTo(KScales.minK4(s, 0, j));
            }
        }
    }

    @Test
    void q3KScalesSpanMinus32To31() {
        byte[] b = new byte[12];
        java.util.Arrays.fill(b, (byte) 0xFF);
        for (int j = 0; j < 16; j++) assertThat(KScales.scaleQ3K(MemorySegment.ofArray(b), 0, j)).isEqualTo(31);
        java.util.Arrays.fill(b, (byte) 0);
        for (int j = 0; j < 16; j++) assertThat(KScales.scaleQ3K(MemorySegment.ofArray(b), 0, j)).isEqualTo(-32);
    }
}
