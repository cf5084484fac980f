package dev.pith.core;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * Parallel loops over index ranges on one shared pool sized to the machine's cores (or to
 * {@code -Dpith.threads=N} / {@link #setThreads}). Work is split into contiguous chunks, so a
 * loop allocates a handful of tasks, not one per index.
 */
public final class Parallel {
    private static volatile ForkJoinPool pool = newPool(Integer.getInteger("pith.threads", Runtime.getRuntime().availableProcessors()));

    private Parallel() {}

    private static ForkJoinPool newPool(int threads) {
        return new ForkJoinPool(Math.max(1, threads));
    }

    /** Number of threads parallel loops use. */
    public static int threads() { return pool.getParallelism(); }

    /** Resizes the pool; later loops use {@code n} threads. */
    public static synchronized void setThreads(int n) {
        if (n != threads()) {
            ForkJoinPool old = pool;
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
        pool.invoke(new Chunk(body, n, chunks, 0, chunks));
    }

    /** Runs {@code body} for each index in [0, n). */
    public static void forEach(int n, IntConsumer body) {
        forRange(n, (from, to) -> {
            for (int i = from; i < to; i++) body.accept(i);
        });
    }

    private static final class Chunk extends RecursiveAction {
        private final RangeBody body;
        private final int n, chunks, lo, hi;

        Chunk(RangeBody body, int n, int chunks, int lo, int hi) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                int from = (int) ((long) n * lo / chunks);
                int to = (int) ((long) n * hi / chunks);
                body.run(from, to);
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Chunk(body, n, chunks, lo, mid), new Chunk(body, n, chunks, mid, hi));
        }
    }
}
