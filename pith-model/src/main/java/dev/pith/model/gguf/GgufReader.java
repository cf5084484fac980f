package dev.pith.model.gguf;

import dev.pith.core.DType;
import dev.pith.core.Mapped;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads GGUF v2/v3 (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md). Every length,
 * count and offset is checked against the bytes that are actually there before anything is
 * allocated, so a hostile header ends in a {@link PithException}, never in an OutOfMemoryError.
 */
final class GgufReader {
    private static final int MAGIC = 0x46554747; // "GGUF" little-endian
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final int MAX_DIMS = 4;

    private final Path path;
    private final MemorySegment seg;
    private final long size;
    private long pos;

    private GgufReader(Path path, MemorySegment seg) {
        this.path = path;
        this.seg = seg;
        this.size = seg.byteSize();
    }

    static GgufFile read(Path path) {
        Mapped mapped = Mapped.open(path);
        try {
            return new GgufReader(path, mapped.segment()).parse(mapped);
        } catch (RuntimeException e) {
            mapped.close();
            throw e;
        }
    }

    private GgufFile parse(Mapped mapped) {
        if (size < 4) throw fail("is too short to be a GGUF file (" + size + " bytes)");
        int magic = seg.get(I32, 0);
        if (magic != MAGIC) throw fail("is not a GGUF file (wrong magic " + hexMagic() + ")");
        pos = 4;
        int version = u32AsInt("version");
        if (version < 2 || version > 3) throw fail("has GGUF version " + version + "; Pith reads versions 2 and 3");
        long nTensors = i64("tensor count");
        long nKv = i64("metadata count");
        // Each tensor info takes at least 8+4+8+4+8 bytes, each key-value at least 8+4+1.
        if (nTensors < 0 || nTensors > remaining() / 32) throw fail("declares " + Long.toUnsignedString(nTensors) + " tensors, more than the file can hold");
        if (nKv < 0 || nKv > remaining() / 13) throw fail("declares " + Long.toUnsignedString(nKv) + " metadata entries, more than the file can hold");

        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            String key = string("metadata key");
            int typeId = u32AsInt("metadata type of " + key);
            GgufValueType type = GgufValueType.of(typeId);
            if (type == null) throw fail("has metadata key '" + key + "' of unknown value type " + typeId);
            GgufValue v = value(key, type);
            if (metadata.put(key, v) != null) throw fail("has the metadata key '" + key + "' twice");
        }

        long alignment = GgufFile.DEFAULT_ALIGNMENT;
        GgufValue al = metadata.get("general.alignment");
        if (al != null) {
            if (al.type() != GgufValueType.UINT32 && al.type() != GgufValueType.INT32 && al.type() != GgufValueType.UINT64)
                throw fail("has general.alignment of type " + al.type() + ", expected an integer");
            alignment = al.asLong();
            if (alignment <= 0 || alignment > (1 << 20) || Long.bitCount(alignment) != 1)
                throw fail("has general.alignment " + alignment + ", which is not a power of two");
        }

        // Capacities are capped: the counts were only checked against the file size, and a large
        // file may hold a count above Integer.MAX_VALUE or one that would allocate far more than it holds.
        List<GgufTensorInfo> infos = new ArrayList<>((int) Math.min(nTensors, 1024));
        Set<String> names = new HashSet<>();
        for (long i = 0; i < nTensors; i++) {
            String name = string("tensor name");
            if (!names.add(name)) throw fail("has the tensor '" + name + "' twice");
            int nd = u32AsInt("dimension count of " + name);
            if (nd < 0 || nd > MAX_DIMS) throw fail("gives tensor '" + name + "' " + Integer.toUnsignedString(nd) + " dimensions (at most " + MAX_DIMS + ")");
            long[] shape = new long[nd];
            long count = 1;
            for (int d = 0; d < nd; d++) {
                shape[d] = i64("dimension of " + name);
                if (shape[d] < 0) throw fail("gives tensor '" + name + "' a negative or huge dimension");
                try {
                    count = Math.multiplyExact(count, shape[d]);
                } catch (ArithmeticException e) {
                    throw fail("gives tensor '" + name + "' a shape whose size overflows: " + Arrays.toString(shape));
                }
            }
            int typeId = u32AsInt("type of " + name);
            DType type = DType.fromGgmlId(typeId);
            if (type == null) throw fail("stores tensor '" + name + "' in ggml type " + Integer.toUnsignedString(typeId) + ", which Pith does not support");
            // A 0-dimensional tensor is one element, which must still fill whole blocks.
            long cols = nd == 0 ? 1 : shape[0];
            if (cols % type.blockSize() != 0)
                throw fail("gives tensor '" + name + "' rows of " + cols + " elements, not a multiple of the " + type + " block size " + type.blockSize());
            // The byte size can overflow even when the element count does not (e.g. 2^30 x 2^32 F32
            // wraps to 0 bytes, which would then "fit" in any file): compute it exactly.
            try {
                Math.multiplyExact(cols == 0 ? 0 : type.bytesFor(cols), cols == 0 ? 1 : count / cols);
            } catch (ArithmeticException e) {
                throw fail("gives tensor '" + name + "' a shape whose byte size overflows: " + Arrays.toString(shape));
            }
            long offset = i64("offset of " + name);
            if (offset < 0 || offset % alignment != 0) throw fail("gives tensor '" + name + "' offset " + Long.toUnsignedString(offset) + ", not a multiple of the alignment " + alignment);
            infos.add(new GgufTensorInfo(name, shape, type, offset));
        }

        long dataOffset = align(pos, alignment);
        if (nTensors > 0 && dataOffset > size) throw fail("ends before its tensor data begins");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (GgufTensorInfo info : infos) {
            long bytes = info.byteSize();
            long start = dataOffset + info.offset();
            if (start < dataOffset || bytes < 0 || start > size || bytes > size - start)
                throw fail("is truncated or corrupt: tensor '" + info.name() + "' (" + bytes + " bytes at offset " + info.offset()
                        + ") runs past the end of the file (" + size + " bytes)");
            tensors.put(info.name(), new Tensor(info.name(), info.type(), info.shape(), seg.asSlice(start, bytes)));
        }
        return new GgufFile(path, version, metadata, infos, tensors, dataOffset, mapped);
    }

    private GgufValue value(String key, GgufValueType type) {
        if (type == GgufValueType.ARRAY) {
            int et = u32AsInt("array type of " + key);
            GgufValueType elem = GgufValueType.of(et);
            if (elem == null) throw fail("has metadata array '" + key + "' of unknown element type " + et);
            if (elem == GgufValueType.ARRAY) throw fail("has metadata array '" + key + "' of arrays, which Pith does not read");
            long n = i64("array length of " + key);
            long minEach = elem == GgufValueType.STRING ? 8 : elem.size;
            if (n < 0 || n > remaining() / minEach) throw fail("has metadata array '" + key + "' of " + Long.toUnsignedString(n) + " elements, more than the file holds");
            if (n > Integer.MAX_VALUE - 8) throw fail("has metadata array '" + key + "' of " + n + " elements, more than Pith can hold");
            if (elem == GgufValueType.STRING) return GgufValue.array(elem, strings(key, (int) n));
            if (elem != GgufValueType.BOOL) { // numbers: kept as their bytes (n fit in the file: checked above)
                if (n * elem.size > Integer.MAX_VALUE - 8) throw fail("has metadata array '" + key + "' of " + n + " elements, more than Pith can hold");
                byte[] raw = seg.asSlice(check(n * elem.size, key), n * elem.size).toArray(ValueLayout.JAVA_BYTE);
                return GgufValue.array(elem, new GgufNumbers(elem, raw));
            }
            List<Object> list = new ArrayList<>((int) Math.min(n, 1 << 16));
            for (long i = 0; i < n; i++) list.add(scalar(key, elem));
            return GgufValue.array(elem, list);
        }
        return GgufValue.of(type, scalar(key, type));
    }

    private Object scalar(String key, GgufValueType type) {
        return switch (type) {
            case BOOL -> {
                byte b = seg.get(ValueLayout.JAVA_BYTE, check(1, key));
                if (b != 0 && b != 1) throw fail("has metadata '" + key + "' with a bool byte " + b);
                yield b == 1;
            }
            case STRING -> string(key);
            case ARRAY -> throw new IllegalStateException();
            default -> number(type, seg, check(type.size, key));
        };
    }

    /**
     * The number of {@code type} (any fixed-size type but BOOL) at {@code at} in {@code s}, boxed as
     * {@link GgufValue} keeps it: unsigned types widened (UINT32 as Long), UINT64 as Long bits.
     */
    static Object number(GgufValueType type, MemorySegment s, long at) {
        return switch (type) {
            case UINT8 -> Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, at));
            case INT8 -> (int) s.get(ValueLayout.JAVA_BYTE, at);
            case UINT16 -> Short.toUnsignedInt(s.get(I16, at));
            case INT16 -> (int) s.get(I16, at);
            case UINT32 -> Integer.toUnsignedLong(s.get(I32, at));
            case INT32 -> s.get(I32, at);
            case FLOAT32 -> s.get(F32, at);
            case UINT64, INT64 -> s.get(I64, at);
            case FLOAT64 -> s.get(F64, at);
            case BOOL, STRING, ARRAY -> throw new IllegalArgumentException(type + " is not a fixed-size number");
        };
    }

    private long need(long n, String what) {
        if (n > remaining()) throw fail("is truncated: it ends while reading " + what);
        return 0;
    }

    /** Checks that n bytes remain, returns the current position and advances past them. */
    private long check(long n, String what) {
        need(n, what);
        return advance(n);
    }

    private long advance(long n) {
        long p = pos;
        pos += n;
        return p;
    }

    private long remaining() { return size - pos; }

    private int u32AsInt(String what) { return seg.get(I32, check(4, what)); }

    private long i64(String what) { return seg.get(I64, check(8, what)); }

    /** An array of n strings, kept as its bytes (see {@link GgufStrings}); each length checked as {@link #string} does. */
    private GgufStrings strings(String key, int n) {
        long start = pos;
        // grown as strings are found, not sized by the count: a corrupt count may claim a string per 8 bytes of the file
        int[] at = new int[Math.min(n, 1 << 16) + 1];
        for (int i = 0; i < n; i++) {
            if (i + 1 >= at.length) at = Arrays.copyOf(at, (int) Math.min((long) n + 1, 2L * at.length));
            long rel = pos - start;
            if (rel > Integer.MAX_VALUE - 16) throw fail("has metadata array '" + key + "' too long to read");
            at[i] = (int) rel;
            if (remaining() < 8) throw fail("is truncated: it ends while reading the length of a string in " + key);
            long len = seg.get(I64, pos);
            pos += 8;
            if (len < 0 || len > remaining()) throw fail("has a string (" + key + ") of length " + Long.toUnsignedString(len) + ", longer than the rest of the file");
            pos += len;
        }
        long bytes = pos - start;
        if (bytes > Integer.MAX_VALUE - 16) throw fail("has metadata array '" + key + "' too long to read");
        at[n] = (int) bytes;
        return new GgufStrings(seg.asSlice(start, bytes).toArray(ValueLayout.JAVA_BYTE), at);
    }

    private String string(String what) {
        long len = i64("length of " + what);
        if (len < 0 || len > remaining()) throw fail("has a string (" + what + ") of length " + Long.toUnsignedString(len) + ", longer than the rest of the file");
        if (len > Integer.MAX_VALUE - 8) throw fail("has a string (" + what + ") too long to read");
        byte[] bytes = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
        pos += len;
        // Vocabulary strings may hold invalid UTF-8 (partial byte tokens); decoded leniently like llama.cpp:
        // the String constructor replaces malformed input with U+FFFD exactly as a REPLACE decoder does
        // (GgufArraysTest), without a decoder per string (400K strings in a Llama-3 vocabulary).
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private String hexMagic() {
        byte[] b = seg.asSlice(0, 4).toArray(ValueLayout.JAVA_BYTE);
        StringBuilder sb = new StringBuilder("0x");
        for (byte x : b) sb.append(String.format("%02x", x));
        return sb.toString();
    }

    static long align(long x, long a) { return (x + a - 1) / a * a; }

    private PithException fail(String what) { return new PithException(path + " " + what + "."); }
}
