package dev.pith.model.gguf;

import java.lang.foreign.MemorySegment;
import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * A metadata array of fixed-size numbers kept as the little-endian bytes the file holds, each boxed
 * only when asked for, as {@link GgufStrings} keeps strings: a Llama-3 vocabulary's 128K token types
 * were as many boxes made on every load and unboxed again on every write. The writer copies
 * {@link #raw} as it is. Immutable: equal to any list of the same boxed values.
 */
final class GgufNumbers extends AbstractList<Object> implements RandomAccess, GgufRawArray {
    private final GgufValueType type;
    private final byte[] raw;
    private final MemorySegment view;

    GgufNumbers(GgufValueType type, byte[] raw) {
        this.type = type;
        this.raw = raw;
        this.view = MemorySegment.ofArray(raw);
    }

    @Override
    public Object get(int i) {
        return GgufReader.number(type, view, (long) java.util.Objects.checkIndex(i, size()) * type.size);
    }

    @Override
    public int size() {
        return raw.length / type.size;
    }

    @Override
    public byte[] raw() {
        return raw;
    }

    @Override
    public GgufValueType elementType() {
        return type;
    }
}
