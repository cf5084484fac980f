package dev.pith.model.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds GGUF bytes by hand, field by field, so that a test knows where each field sits and can
 * corrupt exactly one of them. {@link #mark()} returns the offset of the next byte written.
 */
final class GgufBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    int mark() { return out.size(); }

    GgufBytes u32(long v) { return le(4, v); }
    GgufBytes u64(long v) { return le(8, v); }

    GgufBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(b.length);
        out.writeBytes(b);
        return this;
    }

    GgufBytes bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    GgufBytes padTo(int alignment) {
        while (out.size() % alignment != 0) out.write(0);
        return this;
    }

    byte[] toBytes() { return out.toByteArray(); }

    private GgufBytes le(int n, long v) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        out.write(b.array(), 0, n);
        return this;
    }

    /** Overwrites {@code n} little-endian bytes at {@code at} in {@code file} with {@code v}. */
    static byte[] patch(byte[] file, int at, int n, long v) {
        byte[] copy = file.clone();
        for (int i = 0; i < n; i++) copy[at + i] = (byte) (v >>> (8 * i));
        return copy;
    }
}
