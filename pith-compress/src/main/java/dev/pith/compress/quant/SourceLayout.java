package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.core.Mapped;
import dev.pith.core.Tensor;
import dev.pith.model.Model;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each tensor of a model loaded from a GGUF file lies in that file, so the quantizer can read
 * it with plain (direct) reads instead of through the memory mapping ({@link ChunkReader}). Only a
 * model whose every tensor is still the file's own mapped bytes (same name, type and size) has a
 * layout; anything else (an edited model, another format) reads through memory as before.
 */
final class SourceLayout {
    private SourceLayout() {}

    /**
     * Each tensor's byte offset in {@code m.source()}, or null when the tensors are not the file's
     * mapped bytes. The GGUF header is walked without decoding its strings (the 1b model's 128k-token
     * vocabulary took ~0.4 s to decode a second time, all of it before the first read could start).
     */
    static Map<String, Long> offsets(Model m) {
        Path src = m.source();
        if (src == null || !Files.isRegularFile(src)) return null;
        for (Tensor t : m.tensors().values()) if (!Mapped.isFileMapped(t.data()) || t.byteSize() == 0) return null;
        try (Mapped f = Mapped.open(src)) {
            Listing l = new Header(f.segment()).listing();
            if (l == null || l.tensors().size() != m.tensors().size()) return null;
            for (Tensor t : l.tensors()) {
                Tensor mine = m.tensors().get(t.name());
                if (mine == null || mine.type() != t.type() || !Arrays.equals(mine.shape(), t.shape())) return null;
            }
            return l.offsets();
        } catch (RuntimeException e) {
            return null; // not a GGUF this walk understands: the mapped path reads it
        }
    }

    /**
     * What a GGUF header says without decoding its strings: the architecture, every integer
     * metadata value, and each tensor (name, type, shape, its bytes in {@code file}'s mapping)
     * with its byte offset in the file; null when the walk does not understand the file.
     */
    record Listing(String architecture, Map<String, Long> integers, List<Tensor> tensors, Map<String, Long> offsets) {}

    /** The listing of the GGUF file mapped as {@code file}, or null. */
    static Listing listing(Mapped file) {
        try {
            return new Header(file.segment()).listing();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A cursor over a GGUF header that reads numbers and skips values. */
    private static final class Header {
        private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private final MemorySegment seg;
        private long pos;

        Header(MemorySegment seg) { this.seg = seg; }

        int u32() { int v = seg.get(U32, pos); pos += 4; return v; }
        long u64() { long v = seg.get(U64, pos); pos += 8; return v; }
        String string() {
            long n = u64();
            if (n < 0 || n > seg.byteSize() - pos) throw new IllegalArgumentException("string past the end");
            String s = new String(seg.asSlice(pos, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            pos += n;
            return s;
        }
        void skipString() {
            long n = u64(); // not "pos += u64()": that adds to the position read before the length
            pos += n;
        }

        /** Bytes of one scalar of GGUF value type {@code t}; -1 for a string, -2 for an array. */
        static int size(int t) {
            return switch (t) {
                case 0, 1, 7 -> 1;
                case 2, 3 -> 2;
                case 4, 5, 6 -> 4;
                case 10, 11, 12 -> 8;
                case 8 -> -1;
                case 9 -> -2;
                default -> throw new IllegalArgumentException("GGUF value type " + t);
            };
        }

        void skipValue(int t) {
            int size = size(t);
            if (size == -1) skipString();
            else if (size == -2) {
                int elem = u32();
                long count = u64();
                if (size(elem) == -1) for (long i = 0; i < count; i++) skipString();
                else if (size(elem) > 0) pos += count * size(elem);
                else throw new IllegalArgumentException("nested array");
            } else pos += size;
        }

        Listing listing() {
            if (u32() != 0x46554747) return null; // "GGUF"
            if (u32() < 2) return null;
            long tensors = u64(), kvs = u64(), alignment = 32;
            // the walk may run before the reader has checked the file (EarlyRead): counts the file cannot hold mean "not understood", never a huge allocation
            if (tensors < 0 || kvs < 0 || tensors > (seg.byteSize() - pos) / 32 || kvs > (seg.byteSize() - pos) / 13) return null;
            String arch = null;
            Map<String, Long> ints = new HashMap<>();
            for (long i = 0; i < kvs; i++) {
                String key = string();
                int type = u32();
                if (key.equals("general.architecture") && type == 8) arch = string();
                else if (type == 4) ints.put(key, u32() & 0xffffffffL);
                else if (type == 5) ints.put(key, (long) u32());
                else if (type == 10 || type == 11) ints.put(key, u64());
                else skipValue(type);
            }
            if (ints.containsKey("general.alignment")) alignment = ints.get("general.alignment");
            String[] names = new String[(int) tensors];
            long[][] shapes = new long[(int) tensors][];
            DType[] types = new DType[(int) tensors];
            long[] offs = new long[(int) tensors];
            for (int i = 0; i < tensors; i++) {
                names[i] = string();
                int dims = u32();
                if (dims < 0 || dims > 8) return null;
                shapes[i] = new long[dims];
                for (int d = 0; d < dims; d++) shapes[i][d] = u64();
                types[i] = DType.fromGgmlId(u32());
                offs[i] = u64();
                if (types[i] == null) return null;
            }
            long data = (pos + alignment - 1) / alignment * alignment;
            Map<String, Long> out = new HashMap<>();
            List<Tensor> list = new ArrayList<>();
            for (int i = 0; i < tensors; i++) {
                long at = data + offs[i];
                long cols = shapes[i].length == 0 ? 1 : shapes[i][0], count = Tensor.elementCount(shapes[i]);
                list.add(new Tensor(names[i], types[i], shapes[i], seg.asSlice(at, cols == 0 ? 0 : types[i].bytesFor(cols) * (count / cols))));
                out.put(names[i], at);
            }
            return out.size() == list.size() ? new Listing(arch, ints, list, out) : null;
        }
    }

    /** Whether most of the model's tensor bytes are already in the page cache (then the mapping is the faster read). */
    static boolean mostlyCached(Model m) {
        return mostlyCached(m.tensors().values());
    }

    static boolean mostlyCached(java.util.Collection<Tensor> tensors) {
        long cached = 0, total = 0;
        for (Tensor t : tensors) {
            total += t.byteSize();
            // a tensor that is not mapped (an edited model's) is in memory already; isLoaded throws for it
            MemorySegment file = t.byteSize() > 0 ? Mapped.fileSegment(t.data()) : null;
            if (t.byteSize() > 0 && (file == null || file.isLoaded())) cached += t.byteSize();
        }
        return cached * 2 > total;
    }
}
