package dev.pith.compress.prune;

import dev.pith.compress.calib.BlockInfluence;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Block Influence is 1 − the mean cosine between a block's input and output hidden states. */
class BlockInfluenceTest {
    @Test
    void oneMinusMeanCosinePerBlock() {
        BlockInfluence bi = new BlockInfluence(2);
        // two tokens of width 2; block 0 keeps token 0 and turns token 1 by 90°, block 1 reverses token 0 and keeps token 1
        bi.hiddenState(0, new float[]{1, 0, 0, 2}, 2, 2);
        bi.hiddenState(1, new float[]{3, 0, 5, 0}, 2, 2);
        bi.hiddenState(2, new float[]{-1, 0, 1, 0}, 2, 2);
        double[] s = bi.scores();
        assertThat(s[0]).isCloseTo(1 - (1 + 0) / 2.0, within(1e-12));
        assertThat(s[1]).isCloseTo(1 - (-1 + 1) / 2.0, within(1e-12));
    }
}
