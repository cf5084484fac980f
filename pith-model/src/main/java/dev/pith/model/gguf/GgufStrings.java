package dev.pith.model.gguf;

import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * A metadata array of strings kept as the bytes the file holds (each a little-endian u64 length, then
 * the bytes), decoded one string at a time when asked. A Llama-3 vocabulary is 400K strings (tokens and
 * merges): decoding them all took a quarter of a second of every cold load, and writing them back the
 * same again, while most commands that copy a model's metadata (quantize, convert) never look at them.
 * The writer copies {@link #raw} as it is, so a string that is not valid UTF-8 (a partial byte token)
 * keeps its bytes; {@link #get} decodes leniently, malformed bytes becoming U+FFFD, as llama.cpp does.
 * Immutable: equal to any list of the same strings.
 */
final class GgufStrings extends AbstractList<Object> implements RandomAccess, GgufRawArray {
    private final byte[] raw;
    /** at[i]: where string i's length field starts in {@link #raw}; at[size()] = raw.length. */
    private final int[] at;
    /** Strings decoded so far (a race decodes one twice into equal strings: harmless). */
    private final String[] decoded;

    GgufStrings(byte[] raw, int[] at) {
        this.raw = raw;
        this.at = at;
        this.decoded = new String[at.length - 1];
    }

    @Override
    public Object get(int i) {
        String s = decoded[i];
        if (s == null) {
            int from = at[i] + 8;
            s = new String(raw, from, at[i + 1] - from, StandardCharsets.UTF_8);
            decoded[i] = s;
        }
        return s;
    }

    @Override
    public int size() {
        return decoded.length;
    }

    @Override
    public byte[] raw() {
        return raw;
    }

    @Override
    public GgufValueType elementType() {
        return GgufValueType.STRING;
    }
}
