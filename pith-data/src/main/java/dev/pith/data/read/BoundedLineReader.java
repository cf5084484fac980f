package dev.pith.data.read;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads lines (split at '\n', a trailing '\r' kept for the normaliser) from a byte stream, never
 * holding more than {@code cap} bytes of one line: a longer line is consumed and reported by its
 * length only, so a 1 GB line costs a 64 kB read buffer and nothing more.
 */
public final class BoundedLineReader {
    /** One line: its bytes (valid up to {@code length}) or, when {@code tooLong}, only its length. */
    public record Line(byte[] bytes, int length, boolean tooLong, long seenBytes) {}

    private final InputStream in;
    private final int cap;
    private final byte[] buf = new byte[1 << 16];
    private int pos, end;
    private boolean eof;
    private byte[] line = new byte[256];
    private long peakHeld;

    public BoundedLineReader(InputStream in, int cap) {
        this.in = in;
        this.cap = cap;
    }

    /** The most bytes of one line this reader ever held (for tests that memory stays bounded). */
    public long peakHeldBytes() { return peakHeld; }

    /** The next line, or null at the end of the stream. */
    public Line next() throws IOException {
        int n = 0;
        long seen = 0;
        boolean tooLong = false;
        boolean any = false;
        while (true) {
            if (pos == end) {
                if (eof || !fill()) {
                    if (!any) return null;
                    break;
                }
            }
            any = true;
            int nl = -1;
            for (int i = pos; i < end; i++) {
                if (buf[i] == '\n') {
                    nl = i;
                    break;
                }
            }
            int stop = nl < 0 ? end : nl;
            int chunk = stop - pos;
            seen += chunk;
            if (!tooLong) {
                if (n + (long) chunk > cap) {
                    tooLong = true;
                    n = 0;
                } else {
                    if (n + chunk > line.length) line = Arrays.copyOf(line, Math.min(cap, Math.max(n + chunk, line.length * 2)));
                    System.arraycopy(buf, pos, line, n, chunk);
                    n += chunk;
                    peakHeld = Math.max(peakHeld, line.length);
                }
            }
            pos = stop;
            if (nl >= 0) {
                pos++;
                break;
            }
        }
        return new Line(line, n, tooLong, seen);
    }

    private boolean fill() throws IOException {
        int r = in.read(buf, 0, buf.length);
        if (r <= 0) {
            eof = true;
            pos = end = 0;
            return false;
        }
        pos = 0;
        end = r;
        return true;
    }

    /**
     * Reads a whole stream as one document if it holds at most {@code cap} bytes; otherwise returns
     * null after reading {@code cap + 1} bytes (the caller closes or skips the rest, unbuffered).
     */
    public static byte[] readUpTo(InputStream in, int cap) throws IOException {
        byte[] b = in.readNBytes(cap + 1);
        return b.length > cap ? null : b;
    }
}
