package dev.pith.core.kernel;

import dev.pith.core.DType;

import java.util.SplittableRandom;

/**
 * {@link PackedGroups#packBlock} of each packed type on one thread, on 32 rows of 2048 columns that
 * stay in cache (not a test): GB/s of the file's bytes, after four warm-up rounds. Run after
 * `mvn -q -o test-compile -pl pith-core`:
 * {@code java --add-modules jdk.incubator.vector -cp pith-core/target/classes:pith-core/target/test-classes dev.pith.core.kernel.PackBench}
 */
public final class PackBench {
    private PackBench() {}

    public static void main(String[] args) {
        for (DType type : new DType[] {DType.Q4_K, DType.Q6_K, DType.Q4_0, DType.Q8_0}) {
            PackedGroups kind = PackedGroups.of(type);
            if (kind == null) {
                System.out.println(type + ": no packed kernel on this machine");
                continue;
            }
            int blocks = 2048 / type.blockSize(), blockBytes = type.blockBytes(), rowBytes = blocks * blockBytes;
            byte[] in = new byte[PackedGroups.G * rowBytes];
            new SplittableRandom(1).nextBytes(in);
            int groupBlock = switch (type) {
                case Q4_K -> Q4_KGroups.GROUP_BLOCK;
                case Q6_K -> Q6_KGroups.GROUP_BLOCK;
                case Q4_0 -> 18 * PackedGroups.G;
                default -> 34 * PackedGroups.G;
            };
            byte[] out = new byte[blocks * groupBlock];
            double seconds = 0;
            int iters = 2000;
            for (int round = 0; round < 5; round++) {
                long t0 = System.nanoTime();
                for (int it = 0; it < iters; it++) {
                    for (int b = 0; b < blocks; b++) kind.packBlock(in, blockBytes * b, rowBytes, out, groupBlock * b);
                }
                seconds = (System.nanoTime() - t0) / 1e9;
            }
            System.out.printf("%s packBlock %.2f GB/s of the file's bytes (one thread, in cache)%n", type, (double) iters * in.length / seconds / 1e9);
        }
    }
}
