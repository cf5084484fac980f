package dev.pith.core;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With huge pages switched off ({@code -Dpith.largePages.off=true}, read once when the class loads, so in
 * a JVM of its own) {@link LargePages#allocate} is the arena's memory, with the same contract: zeroed,
 * the size asked for, aligned to {@link LargePages#HUGE}.
 */
class LargePagesFallbackTest {
    @Test
    void withHugePagesOffBuffersComeFromTheArenaWithTheSameContract() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Dpith.largePages.off=true",
                "-cp", System.getProperty("java.class.path"), Probe.class.getName()))
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).endsWith("available=false ok");
    }

    /** Runs in the child JVM: allocates, checks, prints. */
    public static final class Probe {
        public static void main(String[] args) {
            long bytes = 3 * (1L << 20) + 17;
            try (Arena arena = Arena.ofShared()) {
                MemorySegment s = LargePages.allocate(bytes, arena);
                boolean ok = s.byteSize() == bytes && s.address() % LargePages.HUGE == 0;
                for (long at = 0; at < bytes; at += 4093) ok &= s.get(ValueLayout.JAVA_BYTE, at) == 0;
                s.fill((byte) 1);
                System.out.println("available=" + LargePages.available() + (ok ? " ok" : " BAD"));
            }
        }
    }
}
