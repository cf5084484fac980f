package dev.pith.train;

import dev.pith.core.Parallel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The threads batch-parallel training runs its shares on (see {@link BatchSplit}): a fixed set that
 * waits parked between steps and hands work over by park/unpark, never by spinning. A step has two
 * hand-offs of a few tens of microseconds against tens of milliseconds of work, so waking costs
 * nothing worth measuring; spinning would. On a machine shared with other work a spinning thread
 * waiting for a descheduled one burns the CPU time the scheduler allots to this process, and the
 * thread doing the work gets less of it.
 *
 * <p>Code running on these threads is serial: the training layers ask {@link #forRange} instead of
 * {@link Parallel#forRange}, which runs the whole range on the calling thread here and goes to the
 * shared pool anywhere else.
 */
final class ShareThreads {
    /** A thread that runs shares; everything it calls stays on it. */
    private static final class Worker extends Thread {
        Worker(Runnable r, String name) {
            super(r, name);
            setDaemon(true);
        }
    }

    private static ShareThreads current;

    private final Worker[] workers;
    private final AtomicInteger next = new AtomicInteger(), running = new AtomicInteger();
    private volatile long generation;
    private volatile Throwable failure;
    private Thread waiter;
    private java.util.function.IntConsumer body;
    private int count;

    private ShareThreads(int threads) {
        workers = new Worker[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = new Worker(this::loop, "pith-share-" + (i + 1));
            workers[i].start();
        }
    }

    /** The share threads, as many as {@link Parallel#threads()} (made again when that changes). */
    static synchronized ShareThreads get() {
        int n = Parallel.threads();
        if (current == null || current.workers.length != n) current = new ShareThreads(n);
        return current;
    }

    /** True on a share thread: parallel loops there run serially. */
    static boolean onShareThread() { return Thread.currentThread() instanceof Worker; }

    /** {@link Parallel#forRange(int, int, Parallel.RangeBody)}, or the whole range on this thread when it runs a share. */
    static void forRange(int n, int grain, Parallel.RangeBody body) {
        if (onShareThread()) {
            if (n > 0) body.run(0, n);
        } else {
            Parallel.forRange(n, grain, body);
        }
    }

    /** {@link Parallel#forEach}, or every index on this thread when it runs a share. */
    static void forEach(int n, java.util.function.IntConsumer body) {
        forRange(n, 1, (from, to) -> {
            for (int i = from; i < to; i++) body.accept(i);
        });
    }

    /** Runs body(i) for each i in [0, count), each on one of the threads, taken in order as threads come free; returns when all are done. */
    synchronized void run(int count, java.util.function.IntConsumer body) {
        this.body = body;
        this.count = count;
        this.failure = null;
        this.waiter = Thread.currentThread();
        next.set(0);
        running.set(workers.length);
        generation++; // volatile write: publishes the fields above
        for (Worker w : workers) LockSupport.unpark(w);
        while (running.get() != 0) LockSupport.park(this);
        this.body = null;
        Throwable f = failure;
        if (f instanceof RuntimeException re) throw re;
        if (f instanceof Error e) throw e;
        if (f != null) throw new IllegalStateException(f);
    }

    private void loop() {
        long seen = 0;
        while (true) {
            while (generation == seen) LockSupport.park(this);
            seen = generation;
            java.util.function.IntConsumer b = body;
            try {
                for (int i; (i = next.getAndIncrement()) < count; ) b.accept(i);
            } catch (Throwable t) {
                if (failure == null) failure = t;
                next.set(Integer.MAX_VALUE / 2);
            }
            if (running.decrementAndGet() == 0) LockSupport.unpark(waiter);
        }
    }
}
