package dev.pith.core;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Huge-page buffers: zeroed, aligned to 2 MiB, the size asked for, usable until their arena closes. */
class LargePagesTest {
    @Test
    void buffersAreZeroedAlignedWritableAndReleasedWithTheirArena() {
        if (System.getProperty("os.name").startsWith("Linux")) assertThat(LargePages.available()).isTrue();
        long bytes = 5 * (1L << 20) + 12_345;
        MemorySegment kept;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment a = LargePages.allocate(bytes, arena), b = LargePages.allocate(bytes, arena);
            for (MemorySegment s : new MemorySegment[] {a, b}) {
                assertThat(s.byteSize()).isEqualTo(bytes);
                assertThat(s.address() % LargePages.HUGE).isZero();
                for (long at = 0; at < bytes; at += 4093) assertThat(s.get(ValueLayout.JAVA_BYTE, at)).isZero();
                assertThat(s.get(ValueLayout.JAVA_BYTE, bytes - 1)).isZero();
            }
            // two buffers do not overlap: what one holds the other does not see
            a.fill((byte) 7);
            assertThat(b.get(ValueLayout.JAVA_BYTE, 0)).isZero();
            assertThat(a.get(ValueLayout.JAVA_BYTE, bytes - 1)).isEqualTo((byte) 7);
            kept = a;
        }
        assertThatThrownBy(() -> kept.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anEmptyBufferIsEmptyAndANegativeSizeIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            assertThat(LargePages.allocate(0, arena).byteSize()).isZero();
            assertThatThrownBy(() -> LargePages.allocate(-1, arena)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
