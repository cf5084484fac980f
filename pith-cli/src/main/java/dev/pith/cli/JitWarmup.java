package dev.pith.cli;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * Untimed warm-up runs until the JIT has compiled what the runs use. One warm-up was not enough for
 * a model whose matrices come in several types: smollm2-135m Q4_K_M's first 512-token prompt runs
 * mostly interpreted, its Q4_K kernel is first called seconds into it, and C2 was still compiling (and
 * the unfinished code still allocating 2-3 GB/s of boxed vectors) through the timed repeats: 2-thread
 * prompts measured 576-654 tokens/s after one warm-up, 794 after six (bench/RESULTS.md, session 18).
 * Two threads suffered most, as the compiler threads then compete with both workers for two cores.
 */
final class JitWarmup {
    /** A run is quiet when the compilers worked less than this share of its wall time. */
    static final double QUIET = 0.05;
    /** Warm-up runs at most, when the JIT never goes quiet. */
    static final int MAX_RUNS = 12;
    /**
     * A quiet run this long is enough on its own (every method it uses has been called many times over),
     * and warm-up stops once it has taken twice this in all: a 1B F32 repeat of 512 + 128 tokens takes
     * ~30 s on 2 cores, and twelve of them would be six minutes.
     */
    static final double LONG_RUN_SECONDS = 30;

    private JitWarmup() {}

    /**
     * Runs body until two runs in a row are quiet ({@link #QUIET}; at most {@link #MAX_RUNS}); the number of runs.
     * One quiet run was not enough: a method can sit below the compile threshold through a run and be
     * compiled in the next (smollm2 Q4_0: warm-ups stopped after 3 runs gave 656 tokens/s, after 8, 747).
     * One quiet run of {@link #LONG_RUN_SECONDS} is enough, and no run starts after twice that in all.
     */
    static int untilQuiet(Runnable body) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            for (int i = 0; i < 3; i++) body.run();
            return 3;
        }
        return untilQuiet(body, jit::getTotalCompilationTime, System::nanoTime, MAX_RUNS);
    }

    /** {@link #untilQuiet(Runnable)} with the compilers' total milliseconds and the clock given (tests). */
    static int untilQuiet(Runnable body, LongSupplier compileMillis, LongSupplier nanoTime, int maxRuns) {
        int quiet = 0;
        long start = nanoTime.getAsLong();
        for (int run = 1; ; run++) {
            long c0 = compileMillis.getAsLong(), t0 = nanoTime.getAsLong();
            body.run();
            long t1 = nanoTime.getAsLong();
            double wallMillis = (t1 - t0) / 1e6, compiled = compileMillis.getAsLong() - c0;
            quiet = compiled <= QUIET * wallMillis ? quiet + 1 : 0;
            boolean longQuiet = quiet == 1 && wallMillis >= LONG_RUN_SECONDS * 1e3;
            if (quiet == 2 || longQuiet || run >= maxRuns || (t1 - start) / 1e9 >= 2 * LONG_RUN_SECONDS) return run;
        }
    }
}
