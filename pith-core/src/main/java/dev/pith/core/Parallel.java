package dev.pith.core;

import java.util.function.IntConsumer;

/**
 * Parallel loops over index ranges on one shared pool sized to the machine's cores (or to
 * {@code -Dpith.threads=N} / {@link #setThreads}). The pool's threads persist and spin briefly
 * between loops ({@link WorkerPool}); work is split into contiguous chunks taken from one counter,
 * so a loop allocates nothing.
 */
public final class Parallel {
    private static volatile WorkerPool pool = newPool(Integer.getInteger("pith.threads", Runtime.getRuntime().availableProcessors()));

    private Parallel() {}

    private static WorkerPool newPool(int threads) {
        return new WorkerPool(Math.max(1, threads));
    }

    /** Number of threads parallel loops use. */
    public static int threads() { return pool.threads(); }

    /** Resizes the pool; later loops use {@code n} threads. */
    public static synchronized void setThreads(int n) {
        if (n != threads()) {
            WorkerPool old = pool;
            pool = newPool(n);
            old.shutdown();
        }
    }

    /** A body that handles the half-open index range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /** Runs {@code body} over [0, n) split into contiguous ranges, one per thread or finer. */
    public static void forRange(int n, RangeBody body) {
        forRange(n, 1, body);
    }

    /**
     * Runs {@code body} over [0, n), splitting no finer than {@code grain} indices per task; runs on
     * the calling thread when the loop is too small to be worth splitting.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        int threads = threads();
        if (n <= 0) return;
        if (threads == 1 || n <= grain) {
            body.run(0, n);
            return;
        }
        int chunks = Math.min(threads * 4, Math.max(1, n / Math.max(1, grain)));
        pool.run(n, chunks, body);
    }

    /** Runs {@code body} over [0, n) in exactly {@code chunks} contiguous pieces (the caller sizes them). */
    public static void forChunks(int n, int chunks, RangeBody body) {
        if (n <= 0) return;
        if (threads() == 1 || chunks <= 1) {
            body.run(0, n);
            return;
        }
        pool.run(n, Math.min(chunks, n), body);
    }

    /** Runs {@code body} for each index in [0, n). */
    public static void forEach(int n, IntConsumer body) {
        forRange(n, (from, to) -> {
            for (int i = from; i < to; i++) body.accept(i);
        });
    }
}
