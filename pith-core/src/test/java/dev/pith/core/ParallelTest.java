package dev.pith.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The persistent worker pool behind {@link Parallel}: coverage, reuse, errors, nesting, resizing. */
class ParallelTest {
    private final int original = Parallel.threads();

    @AfterEach
    void restore() { Parallel.setThreads(original); }

    @Test
    void everyIndexRunsExactlyOnceAcrossManyLoops() {
        for (int threads : new int[]{1, 2, 3, 4}) {
            Parallel.setThreads(threads);
            for (int n : new int[]{1, 2, 5, 64, 1000, 4097}) {
                for (int rep = 0; rep < 20; rep++) {
                    AtomicIntegerArray seen = new AtomicIntegerArray(n);
                    Parallel.forRange(n, (a, b) -> { for (int i = a; i < b; i++) seen.incrementAndGet(i); });
                    for (int i = 0; i < n; i++) assertThat(seen.get(i)).as("threads %d n %d index %d", threads, n, i).isEqualTo(1);
                    AtomicIntegerArray seen2 = new AtomicIntegerArray(n);
                    Parallel.forChunks(n, 7, (a, b) -> { for (int i = a; i < b; i++) seen2.incrementAndGet(i); });
                    for (int i = 0; i < n; i++) assertThat(seen2.get(i)).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void anExceptionInABodyReachesTheCallerAndThePoolStaysUsable() {
        Parallel.setThreads(3);
        assertThatThrownBy(() -> Parallel.forRange(100, (a, b) -> { if (a > 0) throw new IllegalStateException("boom"); }))
                .isInstanceOf(IllegalStateException.class).hasMessage("boom");
        AtomicIntegerArray seen = new AtomicIntegerArray(100);
        Parallel.forRange(100, (a, b) -> { for (int i = a; i < b; i++) seen.incrementAndGet(i); });
        for (int i = 0; i < 100; i++) assertThat(seen.get(i)).isEqualTo(1);
    }

    @Test
    void nestedLoopsRunInlineWithoutDeadlock() {
        Parallel.setThreads(2);
        AtomicIntegerArray seen = new AtomicIntegerArray(50 * 40);
        Parallel.forRange(50, (a, b) -> {
            for (int i = a; i < b; i++) {
                int row = i;
                Parallel.forRange(40, (c, d) -> { for (int j = c; j < d; j++) seen.incrementAndGet(row * 40 + j); });
            }
        });
        for (int i = 0; i < 2000; i++) assertThat(seen.get(i)).isEqualTo(1);
    }

    @Test
    void loopsFromSeveralThreadsAtOnceAllComplete() throws Exception {
        Parallel.setThreads(2);
        AtomicIntegerArray seen = new AtomicIntegerArray(4 * 500);
        Thread[] callers = new Thread[4];
        for (int c = 0; c < 4; c++) {
            int base = c * 500;
            callers[c] = new Thread(() -> {
                for (int rep = 0; rep < 50; rep++) Parallel.forRange(500, (a, b) -> { for (int i = a; i < b; i++) seen.incrementAndGet(base + i); });
            });
            callers[c].start();
        }
        for (Thread t : callers) t.join();
        for (int i = 0; i < 2000; i++) assertThat(seen.get(i)).isEqualTo(50);
    }
}
