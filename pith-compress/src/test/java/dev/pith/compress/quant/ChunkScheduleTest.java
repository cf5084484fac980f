package dev.pith.compress.quant;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The read order of a cold input's chunks: a permutation, each group in its own order, the heavy chunks spread out. */
class ChunkScheduleTest {
    @Test
    void heavyChunksAreSpreadEvenlyAndEachGroupKeepsItsOrder() {
        // the 1B shape under Q4_0: 64 heavy chunks (the Q6_K embedding) first, then 245 light ones
        List<Boolean> heavy = new ArrayList<>();
        for (int i = 0; i < 309; i++) heavy.add(i < 64);
        int[] order = ChunkSchedule.interleave(heavy);
        assertThat(order).hasSize(309);
        assertThat(java.util.Arrays.stream(order).sorted().toArray()).isEqualTo(java.util.stream.IntStream.range(0, 309).toArray());
        int lastHeavy = -1, lastLight = -1, run = 0, longestLightRun = 0;
        for (int k : order) {
            if (heavy.get(k)) {
                assertThat(k).isGreaterThan(lastHeavy);
                lastHeavy = k;
                run = 0;
            } else {
                assertThat(k).isGreaterThan(lastLight);
                lastLight = k;
                longestLightRun = Math.max(longestLightRun, ++run);
            }
        }
        // 245 / 64 ≈ 3.8 light chunks between heavy ones
        assertThat(longestLightRun).isBetween(3, 5);
    }

    @Test
    void oneGroupOnlyKeepsTheGivenOrder() {
        assertThat(ChunkSchedule.interleave(List.of(true, true, true))).containsExactly(0, 1, 2);
        assertThat(ChunkSchedule.interleave(List.of(false, false))).containsExactly(0, 1);
        assertThat(ChunkSchedule.interleave(List.of())).isEmpty();
    }
}
