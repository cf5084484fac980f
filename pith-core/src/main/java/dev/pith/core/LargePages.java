package dev.pith.core;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Large buffers of fresh memory backed by transparent huge pages where Linux offers them: anonymous
 * memory mapped with mmap and advised MADV_HUGEPAGE before it is first touched, so the kernel faults
 * it in 2 MiB at a time. Memory from {@link Arena#allocate} is zeroed by Java and faulted in 4 KiB
 * pages; on the 2-vCPU KVM guest of bench/RESULTS.md (session 14) 460 MB of fresh read buffers cost
 * ~115K page faults and a second of system time in `pith quantize`. The kernel's pages come zeroed,
 * as the arena's do. Elsewhere (another OS, mmap refused, native access denied) this is
 * {@code arena.allocate}.
 */
public final class LargePages {
    /** The huge page size on x86-64 and arm64 Linux with 4 KiB base pages; the alignment given. */
    public static final long HUGE = 2L << 20;

    private static final int PROT_READ_WRITE = 0x1 | 0x2, MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20, MADV_HUGEPAGE = 14;
    private static final MethodHandle MMAP, MADVISE, MUNMAP;

    static {
        MethodHandle mmap = null, madvise = null, munmap = null;
        if (System.getProperty("os.name", "").startsWith("Linux") && !Boolean.getBoolean("pith.largePages.off")) {
            try {
                Linker linker = Linker.nativeLinker();
                var libc = linker.defaultLookup();
                mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
                munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            } catch (RuntimeException e) {
                mmap = null; // no native access here: the arena's memory
            }
        }
        MMAP = mmap;
        MADVISE = madvise;
        MUNMAP = munmap;
    }

    private LargePages() {}

    /** Whether {@link #allocate} maps huge-page memory on this JVM (else it is the arena's). */
    public static boolean available() {
        return MMAP != null;
    }

    /**
     * {@code bytes} of zeroed memory aligned to {@link #HUGE}, released when {@code arena} closes (mapped
     * memory is unmapped then). Confined arenas work too: the release runs on the closing thread.
     */
    public static MemorySegment allocate(long bytes, Arena arena) {
        if (MMAP == null || bytes <= 0) return arena.allocate(bytes, HUGE); // (a negative size: the arena's error)
        long span = bytes + HUGE; // room to start at a huge-page boundary
        try {
            MemorySegment base = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, span, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
            if (base.address() == -1L) return arena.allocate(bytes, HUGE); // MAP_FAILED
            long start = (base.address() + HUGE - 1) / HUGE * HUGE;
            MemorySegment aligned = MemorySegment.ofAddress(start);
            int ignored = (int) MADVISE.invokeExact(aligned, bytes, MADV_HUGEPAGE); // advice only: 4 KiB pages if refused
            long whole = base.address();
            return aligned.reinterpret(bytes, arena, s -> unmap(whole, span));
        } catch (Throwable e) {
            return arena.allocate(bytes, HUGE);
        }
    }

    private static void unmap(long address, long span) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), span);
        } catch (Throwable e) {
            // the mapping outlives the arena: memory only, released at exit
        }
    }
}
