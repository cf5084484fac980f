package dev.pith.model.gguf;

import dev.pith.core.AtomicFile;
import dev.pith.core.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF v3: metadata in the order given, tensor infos, then tensor data each aligned to
 * {@code general.alignment} (32 unless the metadata says otherwise). The file appears atomically.
 */
public final class GgufWriter {
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    public GgufWriter put(String key, GgufValue value) {
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putAll(Map<String, GgufValue> values) {
        metadata.putAll(values);
        return this;
    }

    public GgufWriter remove(String key) {
        metadata.remove(key);
        return this;
    }

    public GgufWriter add(Tensor t) {
        tensors.put(t.name(), t);
        return this;
    }

    public Map<String, GgufValue> metadata() { return metadata; }

    public void write(Path path) {
        AtomicFile.write(path, this::writeTo);
    }

    private long alignment() {
        GgufValue a = metadata.get("general.alignment");
        return a == null ? GgufFile.DEFAULT_ALIGNMENT : a.asLong();
    }

    public void writeTo(OutputStream raw) throws IOException {
        LeOut out = new LeOut(raw);
        long alignment = alignment();
        out.i32(0x46554747);
        out.i32(3);
        out.i64(tensors.size());
        out.i64(metadata.size());
        for (var e : metadata.entrySet()) {
            out.str(e.getKey());
            GgufValue v = e.getValue();
            out.i32(v.type().id());
            writeValue(out, v);
        }
        long offset = 0;
        for (Tensor t : tensors.values()) {
            out.str(t.name());
            long[] shape = t.shape();
            out.i32(shape.length);
            for (long d : shape) out.i64(d);
            out.i32(t.type().ggmlId());
            out.i64(offset);
            offset = GgufReader.align(offset + t.byteSize(), alignment);
        }
        out.pad(alignment);
        long start = out.written;
        byte[] chunk = new byte[1 << 20]; // one staging buffer for all tensors: a model has hundreds
        for (Tensor t : tensors.values()) {
            MemorySegment data = t.data();
            for (long p = 0; p < data.byteSize(); p += chunk.length) {
                int n = (int) Math.min(chunk.length, data.byteSize() - p);
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, p, chunk, 0, n);
                out.bytes(chunk, n);
            }
            long rel = out.written - start;
            out.zeros(GgufReader.align(rel, alignment) - rel);
        }
        out.flush();
    }

    private static void writeValue(LeOut out, GgufValue v) throws IOException {
        if (v.isArray()) {
            List<Object> list = v.list();
            out.i32(v.elementType().id());
            out.i64(list.size());
            for (Object o : list) writeScalar(out, v.elementType(), o);
        } else {
            writeScalar(out, v.type(), v.value());
        }
    }

    private static void writeScalar(LeOut out, GgufValueType t, Object o) throws IOException {
        switch (t) {
            case UINT8, INT8 -> out.u8(((Number) o).intValue());
            case UINT16, INT16 -> out.i16(((Number) o).intValue());
            case UINT32, INT32 -> out.i32(((Number) o).intValue());
            case FLOAT32 -> out.i32(Float.floatToRawIntBits(((Number) o).floatValue()));
            case BOOL -> out.u8(((Boolean) o) ? 1 : 0);
            case STRING -> out.str((String) o);
            case UINT64, INT64 -> out.i64(((Number) o).longValue());
            case FLOAT64 -> out.i64(Double.doubleToRawLongBits(((Number) o).doubleValue()));
            case ARRAY -> throw new IllegalArgumentException("nested arrays are not written");
        }
    }

    /** Little-endian output that counts what it wrote. */
    private static final class LeOut {
        private final OutputStream out;
        private final ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        long written;

        LeOut(OutputStream out) { this.out = out; }

        void u8(int v) throws IOException { out.write(v); written++; }
        void i16(int v) throws IOException { buf.clear(); buf.putShort((short) v); out.write(buf.array(), 0, 2); written += 2; }
        void i32(int v) throws IOException { buf.clear(); buf.putInt(v); out.write(buf.array(), 0, 4); written += 4; }
        void i64(long v) throws IOException { buf.clear(); buf.putLong(v); out.write(buf.array(), 0, 8); written += 8; }
        void str(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b, b.length);
        }
        void bytes(byte[] b, int n) throws IOException { out.write(b, 0, n); written += n; }
        void zeros(long n) throws IOException { for (long i = 0; i < n; i++) out.write(0); written += n; }
        void pad(long alignment) throws IOException { zeros(GgufReader.align(written, alignment) - written); }
        void flush() throws IOException { out.flush(); }
    }

}
