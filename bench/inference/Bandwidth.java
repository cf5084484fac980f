import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.DoubleAdder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Streaming-read memory bandwidth: THREADS threads each sum their share of a buffer (vector loads,
 * as the matrix kernels read weights), as one sequential stream per thread, as four interleaved
 * streams per thread far apart (more reads in flight), and as four adjacent 8 KiB rows read side by
 * side (the access pattern of a matrix-vector product over four rows, which session 8's F32 decode
 * kernel showed to stream faster than the other two); prints the best pass of any, in bytes per
 * second, after an untimed warm-up pass of each. (Session 10 added eight streams far apart.)
 * Usage: java --add-modules jdk.incubator.vector Bandwidth.java [MiB] [threads] [repeats]
 *
 * <p>The species is a static final constant: C2 only compiles Vector API calls to vector instructions
 * when the species is a constant. (Until session 5 it was a local captured by the thread's lambda,
 * every load was boxed, and the probe reported 7–9 GB/s on a machine that streams 22–27 GB/s.)
 */
public class Bandwidth {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int STEP = F.vectorByteSize();
    private static final DoubleAdder SINK = new DoubleAdder();
    /** 1: one stream; 4 (8): four (eight) streams far apart; ROWS: four adjacent rows side by side. */
    private static final int ROWS = 0;
    private static final int[] PATTERNS = {1, 4, ROWS, 8};
    private static final long ROW_BYTES = 8192;

    public static void main(String[] args) throws Exception {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 1024;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        long bytes = mib << 20;
        MemorySegment buf = Arena.global().allocate(bytes, 64);
        for (long p = 0; p < bytes; p += 4) buf.set(ValueLayout.JAVA_FLOAT_UNALIGNED, p, (p & 1023) * 1e-3f);
        for (int streams : PATTERNS) pass(buf, bytes, threads, streams);
        double best = 0;
        String bestPattern = "";
        for (int r = 0; r < repeats; r++)
            for (int streams : PATTERNS) {
                long t0 = System.nanoTime();
                pass(buf, bytes, threads, streams);
                double bps = bytes / ((System.nanoTime() - t0) / 1e9);
                if (bps > best) {
                    best = bps;
                    bestPattern = streams == 1 ? "one stream" : streams == 4 ? "four streams" : streams == 8 ? "eight streams" : "four rows";
                }
            }
        System.out.printf("{\"bytes_per_second\": %.0f, \"pattern\": \"%s\", \"buffer_bytes\": %d, \"threads\": %d, \"repeats\": %d, \"checksum\": %.1f}%n",
                best, bestPattern, bytes, threads, repeats, SINK.sum());
    }

    private static void pass(MemorySegment buf, long bytes, int threads, int streams) throws InterruptedException {
        Thread[] ts = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            long from = bytes / threads * i, len = bytes / threads;
            ts[i] = new Thread(() -> SINK.add(streams == 1 ? oneStream(buf, from, len) : streams == 4 ? fourStreams(buf, from, len) : streams == 8 ? eightStreams(buf, from, len) : fourRows(buf, from, len)));
            ts[i].start();
        }
        for (Thread t : ts) t.join();
    }

    private static float oneStream(MemorySegment buf, long from, long len) {
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
        for (long p = from; p + 4L * STEP <= from + len; p += 4L * STEP) {
            a = a.add(FloatVector.fromMemorySegment(F, buf, p, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F, buf, p + STEP, ByteOrder.LITTLE_ENDIAN));
            c = c.add(FloatVector.fromMemorySegment(F, buf, p + 2L * STEP, ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(F, buf, p + 3L * STEP, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c).add(d).lane(0);
    }

    private static float fourStreams(MemorySegment buf, long from, long len) {
        long part = len / 4 / STEP * STEP;
        long s0 = from, s1 = from + part, s2 = from + 2 * part, s3 = from + 3 * part;
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
        for (long o = 0; o + STEP <= part; o += STEP) {
            a = a.add(FloatVector.fromMemorySegment(F, buf, s0 + o, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F, buf, s1 + o, ByteOrder.LITTLE_ENDIAN));
            c = c.add(FloatVector.fromMemorySegment(F, buf, s2 + o, ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(F, buf, s3 + o, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c).add(d).lane(0);
    }

    /** Eight streams far apart per thread: on an AMD EPYC (Zen 4) 1-7 % above four (session 10). */
    private static float eightStreams(MemorySegment buf, long from, long len) {
        long part = len / 8 / STEP * STEP;
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a, e = a, f = a, g = a, h = a;
        for (long o = 0; o + STEP <= part; o += STEP) {
            a = a.add(FloatVector.fromMemorySegment(F, buf, from + o, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F, buf, from + part + o, ByteOrder.LITTLE_ENDIAN));
            c = c.add(FloatVector.fromMemorySegment(F, buf, from + 2 * part + o, ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(F, buf, from + 3 * part + o, ByteOrder.LITTLE_ENDIAN));
            e = e.add(FloatVector.fromMemorySegment(F, buf, from + 4 * part + o, ByteOrder.LITTLE_ENDIAN));
            f = f.add(FloatVector.fromMemorySegment(F, buf, from + 5 * part + o, ByteOrder.LITTLE_ENDIAN));
            g = g.add(FloatVector.fromMemorySegment(F, buf, from + 6 * part + o, ByteOrder.LITTLE_ENDIAN));
            h = h.add(FloatVector.fromMemorySegment(F, buf, from + 7 * part + o, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c).add(d).add(e).add(f).add(g).add(h).lane(0);
    }

    private static float fourRows(MemorySegment buf, long from, long len) {
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
        for (long g = from; g + 4 * ROW_BYTES <= from + len; g += 4 * ROW_BYTES) {
            for (long o = 0; o < ROW_BYTES; o += STEP) {
                a = a.add(FloatVector.fromMemorySegment(F, buf, g + o, ByteOrder.LITTLE_ENDIAN));
                b = b.add(FloatVector.fromMemorySegment(F, buf, g + ROW_BYTES + o, ByteOrder.LITTLE_ENDIAN));
                c = c.add(FloatVector.fromMemorySegment(F, buf, g + 2 * ROW_BYTES + o, ByteOrder.LITTLE_ENDIAN));
                d = d.add(FloatVector.fromMemorySegment(F, buf, g + 3 * ROW_BYTES + o, ByteOrder.LITTLE_ENDIAN));
            }
        }
        return a.add(b).add(c).add(d).lane(0);
    }
}
