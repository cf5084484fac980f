package dev.pith.compress.quant;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A timeline of one quantization on stderr, for finding where the wall time of a run goes
 * ({@code -Dpith.quant.trace=true} in PITH_JAVA_OPTS): each mark is the wall-clock time in ms since
 * the epoch, to line up with timestamps taken outside the process (`date +%s%3N` before the launch),
 * and since the process started (approximate: the kernel's start time can be ~0.4 s early here).
 * Off by default: then every call is one branch on a constant.
 */
public final class QuantTrace {
    private QuantTrace() {}

    public static final boolean ON = Boolean.getBoolean("pith.quant.trace");

    private static final long START = ProcessHandle.current().info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);

    /** Prints one line: epoch ms, ms since JVM start, thread, what. */
    public static void mark(String what) {
        if (!ON) return;
        long now = System.currentTimeMillis();
        System.err.println("trace " + now + " +" + (now - START) + "ms [" + Thread.currentThread().getName() + "] " + what);
    }

    /** A named sum of nanoseconds (busy or waiting time), printed by {@link #mark}. */
    public static final class Sum {
        private final AtomicLong nanos = new AtomicLong();

        public long start() { return ON ? System.nanoTime() : 0; }

        public void stop(long t0) { if (ON) nanos.addAndGet(System.nanoTime() - t0); }

        public long millis() { return nanos.get() / 1_000_000; }
    }
}
