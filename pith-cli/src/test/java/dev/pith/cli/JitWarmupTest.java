package dev.pith.cli;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bench's warm-up stops after two repeats in a row during which the JIT compilers were quiet, within its bounds. */
class JitWarmupTest {
    /** Fake runs of 100 ms during which the compilers work compileMillis[k] ms (k: the run's index; the last value repeats). */
    private static int runs(long... compileMillis) {
        return runsOf(100, compileMillis);
    }

    /** The same with runs of runMillis each. */
    private static int runsOf(long runMillis, long... compileMillis) {
        AtomicLong clock = new AtomicLong(), compiled = new AtomicLong();
        AtomicInteger k = new AtomicInteger();
        return JitWarmup.untilQuiet(() -> {
            int i = Math.min(k.getAndIncrement(), compileMillis.length - 1);
            clock.addAndGet(runMillis * 1_000_000L);
            compiled.addAndGet(compileMillis[i]);
        }, compiled::get, clock::get, JitWarmup.MAX_RUNS);
    }

    @Test
    void oneQuietLongRunIsEnoughAndTheWarmupHasATimeLimit() {
        long longRun = (long) (JitWarmup.LONG_RUN_SECONDS * 1000);
        assertThat(runsOf(longRun, 5000, 0)).isEqualTo(2); // a long run the JIT was quiet in: enough
        assertThat(runsOf(longRun / 4, 5000)).isEqualTo(8); // never quiet: stops at twice LONG_RUN_SECONDS in all
    }

    @Test
    void stopsAfterTwoQuietRunsInARow() {
        assertThat(runs(0)).isEqualTo(2); // already compiled: two warm-ups
        assertThat(runs(400, 90, 30, 5, 0)).isEqualTo(5); // 5 ms of 100: quiet (5 %)
        assertThat(runs(400, 6, 0)).isEqualTo(4); // 6 ms of 100 is not quiet
        assertThat(runs(400, 0, 80, 0, 0)).isEqualTo(5); // a quiet run, then the JIT again: the count starts over
    }

    @Test
    void givesUpAfterTheMostRuns() {
        assertThat(runs(50)).isEqualTo(JitWarmup.MAX_RUNS);
    }

    @Test
    void theWarmupOptionIsAutoOrACount() {
        assertThat(BenchCommand.warmupCount("auto")).isEqualTo(-1);
        assertThat(BenchCommand.warmupCount("0")).isEqualTo(0);
        assertThat(BenchCommand.warmupCount("3")).isEqualTo(3);
        assertThatThrownBy(() -> BenchCommand.warmupCount("-1")).hasMessageContaining("--warmup must be auto or a count");
        assertThatThrownBy(() -> BenchCommand.warmupCount("some")).hasMessageContaining("'some'");
    }
}
