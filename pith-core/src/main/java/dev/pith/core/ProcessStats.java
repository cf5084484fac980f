package dev.pith.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Memory figures of this process, read from Linux's /proc (0 elsewhere). */
public final class ProcessStats {
    private ProcessStats() {}

    /** Peak resident set size (VmHWM): heap, code, and every page of a mapped model that was touched. */
    public static long peakRssBytes() { return statusKb("VmHWM:") * 1024; }

    /** Current resident set size (VmRSS). */
    public static long rssBytes() { return statusKb("VmRSS:") * 1024; }

    private static long statusKb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
