package dev.pith.data.read;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A streaming reader of (ustar / GNU / pax) tar archives: 512-byte headers, each followed by the
 * entry's data padded to 512 bytes. Only what curation needs: regular files' names and contents;
 * GNU long names ('L') and pax 'path' records are honoured, other entry types are stepped over.
 */
final class TarReader {
    private final InputStream in;
    private long remaining, padding;
    private String pendingName;

    TarReader(InputStream in) { this.in = in; }

    record Entry(String name, long size) {}

    /** The next regular file, positioned so that {@link #data()} reads its bytes; null at the end. */
    Entry next() throws IOException {
        skipRest();
        byte[] h = new byte[512];
        while (true) {
            if (!readHeader(h)) return null;
            String name = cstring(h, 0, 100);
            String prefix = cstring(h, 345, 155);
            if (!prefix.isEmpty() && "ustar".equals(cstring(h, 257, 5))) name = prefix + "/" + name;
            long size = octal(h, 124, 12);
            char type = (char) h[156];
            remaining = size;
            padding = (512 - size % 512) % 512;
            if (type == 'L' || type == 'x') {
                byte[] meta = readMeta(size);
                skipRest();
                pendingName = type == 'L' ? cstring(meta, 0, meta.length) : paxPath(meta, pendingName);
                continue;
            }
            if (pendingName != null) {
                name = pendingName;
                pendingName = null;
            }
            if (type == '0' || type == 0 || type == '7') return new Entry(name, size);
            skipRest();
        }
    }

    /** The current entry's bytes (reading past them returns end of stream). */
    InputStream data() {
        return new InputStream() {
            @Override public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override public int read(byte[] b, int off, int len) throws IOException {
                if (remaining == 0) return -1;
                int r = in.read(b, off, (int) Math.min(len, remaining));
                if (r < 0) throw new EOFException("the tar archive ends inside an entry");
                remaining -= r;
                return r;
            }
        };
    }

    private boolean readHeader(byte[] h) throws IOException {
        int n = in.readNBytes(h, 0, 512);
        if (n == 0) return false;
        if (n < 512) throw new EOFException("the tar archive ends inside a header");
        boolean zero = true;
        for (byte b : h) if (b != 0) { zero = false; break; }
        if (zero) return false; // end-of-archive marker
        long sum = 0;
        for (int i = 0; i < 512; i++) sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xFF);
        if (sum != octal(h, 148, 8)) throw new IOException("a tar header has a wrong checksum");
        return true;
    }

    private byte[] readMeta(long size) throws IOException {
        if (size > (1 << 20)) throw new IOException("a tar metadata record is implausibly large (" + size + " bytes)");
        byte[] b = data().readNBytes((int) size);
        if (b.length < size) throw new EOFException("the tar archive ends inside a metadata record");
        return b;
    }

    private void skipRest() throws IOException {
        long n = remaining + padding;
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (in.read() < 0) throw new EOFException("the tar archive ends inside an entry");
                s = 1;
            }
            n -= s;
        }
        remaining = padding = 0;
    }

    private static String paxPath(byte[] meta, String fallback) {
        for (String rec : new String(meta, StandardCharsets.UTF_8).split("\n")) {
            int sp = rec.indexOf(' ');
            if (sp > 0 && rec.startsWith("path=", sp + 1)) return rec.substring(sp + 6);
        }
        return fallback;
    }

    private static String cstring(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) end++;
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int off, int len) throws IOException {
        long v = 0;
        boolean digits = false;
        for (int i = off; i < off + len; i++) {
            byte c = b[i];
            if (c == 0 || (c == ' ' && digits)) break;
            if (c == ' ') continue;
            if (c < '0' || c > '7') throw new IOException("a tar header has a malformed number");
            v = v * 8 + (c - '0');
            digits = true;
        }
        return v;
    }
}
