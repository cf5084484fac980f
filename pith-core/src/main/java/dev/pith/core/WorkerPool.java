package dev.pith.core;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads that stay alive between loops, the way ggml's CPU backend keeps its
 * threadpool: a loop publishes one job (a body and a chunk count), the workers and the calling
 * thread take chunks from one atomic counter, and the caller waits for the last one. Between jobs a
 * worker spins for a short while (the next matrix product of a forward pass follows within
 * microseconds) and then parks, so an idle pool costs no CPU. Nothing is allocated per loop.
 *
 * <p>One job runs at a time: a loop started while another is running (from a worker, or from a
 * second thread) runs on its own thread instead of waiting.
 */
final class WorkerPool {
    /** How long an idle worker spins before it parks. */
    private static final long SPIN_NANOS = 200_000;

    private final Thread[] workers;
    private final boolean[] parked;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicInteger nextChunk = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private volatile long generation;
    private volatile boolean shutdown;
    private volatile Throwable failure;
    // The current job; written before the generation bump that publishes it.
    private Parallel.RangeBody body;
    private int n, chunks;

    WorkerPool(int threads) {
        workers = new Thread[Math.max(0, threads - 1)];
        parked = new boolean[workers.length];
        for (int i = 0; i < workers.length; i++) {
            int id = i;
            workers[i] = Thread.ofPlatform().daemon().name("pith-worker-" + (i + 1)).unstarted(() -> loop(id));
            workers[i].start();
        }
    }

    int threads() { return workers.length + 1; }

    /** Runs body over [0, n) in {@code chunks} contiguous pieces on every thread of the pool. */
    void run(int n, int chunks, Parallel.RangeBody body) {
        if (workers.length == 0 || isWorker() || !busy.compareAndSet(false, true)) {
            body.run(0, n);
            return;
        }
        try {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.failure = null;
            nextChunk.set(0);
            running.set(workers.length);
            generation++; // volatile write: publishes the job fields above
            for (int i = 0; i < workers.length; i++) {
                if (parkedFlag(i)) LockSupport.unpark(workers[i]);
            }
            work();
            // Spin for the stragglers; on a busy machine a descheduled worker would make a pure spin
            // burn the caller's whole time slice, so yield after a while.
            for (int spins = 0; running.get() != 0; spins++) {
                if (spins < 4096) Thread.onSpinWait();
                else Thread.yield();
            }
            this.body = null;
            Throwable f = failure;
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error e) throw e;
            if (f != null) throw new IllegalStateException(f);
        } finally {
            busy.set(false);
        }
    }

    void shutdown() {
        shutdown = true;
        generation++;
        for (Thread w : workers) LockSupport.unpark(w);
    }

    private boolean isWorker() {
        Thread t = Thread.currentThread();
        for (Thread w : workers) if (w == t) return true;
        return false;
    }

    private void work() {
        Parallel.RangeBody b = body;
        int total = n, count = chunks;
        try {
            for (int c; (c = nextChunk.getAndIncrement()) < count; ) {
                int from = (int) ((long) total * c / count);
                int to = (int) ((long) total * (c + 1) / count);
                if (from < to) b.run(from, to);
            }
        } catch (Throwable t) {
            if (failure == null) failure = t;
            nextChunk.set(Integer.MAX_VALUE / 2); // let the others stop early
        }
    }

    private void loop(int id) {
        long seen = 0;
        while (true) {
            long start = System.nanoTime();
            int spins = 0;
            while (generation == seen) {
                if ((++spins & 63) == 0 && System.nanoTime() - start > SPIN_NANOS) {
                    setParked(id, true);
                    // Re-check after announcing: the dispatcher bumps, then reads the flag.
                    while (generation == seen && !shutdown) LockSupport.park(this);
                    setParked(id, false);
                }
                Thread.onSpinWait();
            }
            if (shutdown) return;
            seen = generation;
            work();
            running.decrementAndGet();
        }
    }

    // Volatile access to the parked flags. A worker sets its flag and then re-reads the generation;
    // the dispatcher bumps the generation and then reads the flags, so one of the two sees the other
    // and no wake-up is lost. Spurious unparks are harmless: every wake-up re-checks the generation.
    private static final java.lang.invoke.VarHandle PARKED = java.lang.invoke.MethodHandles.arrayElementVarHandle(boolean[].class);

    private void setParked(int id, boolean v) { PARKED.setVolatile(parked, id, v); }

    private boolean parkedFlag(int id) { return (boolean) PARKED.getVolatile(parked, id); }
}
