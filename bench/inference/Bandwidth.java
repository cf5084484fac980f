import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.DoubleAdder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Streaming-read memory bandwidth: THREADS threads each sum their share of a buffer far larger
 * than the caches (vector loads, as the matrix kernels read weights); prints the best of REPEATS
 * passes in bytes per second. Usage: java --add-modules jdk.incubator.vector Bandwidth.java [MiB] [threads] [repeats]
 */
public class Bandwidth {
    public static void main(String[] args) throws Exception {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 1024;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
        long bytes = mib << 20;
        MemorySegment buf = Arena.global().allocate(bytes, 64);
        for (long p = 0; p < bytes; p += 4) buf.set(ValueLayout.JAVA_FLOAT_UNALIGNED, p, (p & 1023) * 1e-3f);
        double best = 0;
        DoubleAdder sink = new DoubleAdder();
        for (int r = 0; r < repeats; r++) {
            Thread[] ts = new Thread[threads];
            long t0 = System.nanoTime();
            for (int i = 0; i < threads; i++) {
                long from = bytes / threads * i, to = bytes / threads * (i + 1);
                ts[i] = new Thread(() -> {
                    FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
                    int step = F.vectorByteSize();
                    for (long p = from; p + 4L * step <= to; p += 4L * step) {
                        a = a.add(FloatVector.fromMemorySegment(F, buf, p, ByteOrder.LITTLE_ENDIAN));
                        b = b.add(FloatVector.fromMemorySegment(F, buf, p + step, ByteOrder.LITTLE_ENDIAN));
                        c = c.add(FloatVector.fromMemorySegment(F, buf, p + 2L * step, ByteOrder.LITTLE_ENDIAN));
                        d = d.add(FloatVector.fromMemorySegment(F, buf, p + 3L * step, ByteOrder.LITTLE_ENDIAN));
                    }
                    sink.add(a.add(b).add(c).add(d).lane(0));
                });
                ts[i].start();
            }
            for (Thread t : ts) t.join();
            double s = (System.nanoTime() - t0) / 1e9;
            best = Math.max(best, bytes / s);
        }
        System.out.printf("{\"bytes_per_second\": %.0f, \"buffer_bytes\": %d, \"threads\": %d, \"repeats\": %d, \"checksum\": %.1f}%n",
                best, bytes, threads, repeats, sink.sum());
    }
}
