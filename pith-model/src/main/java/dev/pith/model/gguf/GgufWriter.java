package dev.pith.model.gguf;

import dev.pith.core.AtomicFile;
import dev.pith.core.DType;
import dev.pith.core.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
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

    private static long alignment(Map<String, GgufValue> metadata) {
        GgufValue a = metadata.get("general.alignment");
        return a == null ? GgufFile.DEFAULT_ALIGNMENT : a.asLong();
    }

    public void writeTo(OutputStream raw) throws IOException {
        List<Slot> slots = new ArrayList<>();
        for (Tensor t : tensors.values()) slots.add(new Slot(t.name(), t.type(), t.shape()));
        LeOut out = new LeOut(raw);
        long alignment = alignment(metadata);
        writeHeader(out, metadata, slots, alignment);
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

    /** One tensor as the header describes it: enough to place its data before the data exists. */
    public record Slot(String name, DType type, long[] shape) {
        /** The bytes of its data: whole rows of {@code type}. */
        public long byteSize() {
            long cols = shape.length == 0 ? 1 : shape[0];
            return cols == 0 ? 0 : type.bytesFor(cols) * (Tensor.elementCount(shape) / cols);
        }
    }

    /** A file's header (padded to the alignment) and where each tensor's data starts, relative to the data section. */
    public record Header(byte[] bytes, long[] offsets, long dataBytes) {}

    /**
     * The header of a file holding {@code slots} in order, computed before any tensor data exists
     * (a quantizer that streams tensors to their offsets writes it first); {@code dataBytes} is the
     * data section's length, padding after the last tensor included.
     */
    public static Header header(Map<String, GgufValue> metadata, List<Slot> slots) {
        long alignment = alignment(metadata);
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        try {
            LeOut out = new LeOut(buf);
            long[] offsets = writeHeader(out, metadata, slots, alignment);
            out.flush();
            long end = slots.isEmpty() ? 0 : GgufReader.align(offsets[slots.size() - 1] + slots.getLast().byteSize(), alignment);
            return new Header(buf.toByteArray(), offsets, end);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a byte array does not fail
        }
    }

    private static long[] writeHeader(LeOut out, Map<String, GgufValue> metadata, List<Slot> slots, long alignment) throws IOException {
        out.i32(0x46554747);
        out.i32(3);
        out.i64(slots.size());
        out.i64(metadata.size());
        for (var e : metadata.entrySet()) {
            out.str(e.getKey());
            GgufValue v = e.getValue();
            out.i32(v.type().id());
            writeValue(out, v);
        }
        long offset = 0;
        long[] offsets = new long[slots.size()];
        for (int i = 0; i < slots.size(); i++) {
            Slot t = slots.get(i);
            out.str(t.name());
            long[] shape = t.shape();
            out.i32(shape.length);
            for (long d : shape) out.i64(d);
            out.i32(t.type().ggmlId());
            out.i64(offset);
            offsets[i] = offset;
            offset = GgufReader.align(offset + t.byteSize(), alignment);
        }
        out.pad(alignment);
        return offsets;
    }

    private static void writeValue(LeOut out, GgufValue v) throws IOException {
        if (v.isArray()) {
            List<Object> list = v.list();
            out.i32(v.elementType().id());
            out.i64(list.size());
            // arrays read from a GGUF file go back as the bytes they came as, in one copy
            if (list instanceof GgufRawArray raw && raw.elementType() == v.elementType()) out.bytes(raw.raw(), raw.raw().length);
            else for (Object o : list) writeScalar(out, v.elementType(), o);
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

    /**
     * Little-endian output that counts what it wrote, staged in a buffer of its own: a header can be
     * hundreds of thousands of small fields (a Llama-3 vocabulary built in memory, as `pith convert`
     * writes it), which were one synchronized stream call each. Arrays read from a GGUF file are
     * written as one block ({@link GgufRawArray}).
     */
    private static final class LeOut {
        private static final java.lang.invoke.VarHandle I16 = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
        private static final java.lang.invoke.VarHandle I32 = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
        private static final java.lang.invoke.VarHandle I64 = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
        private final OutputStream out;
        private final byte[] buf = new byte[1 << 16];
        private int n;
        long written;

        LeOut(OutputStream out) { this.out = out; }

        void u8(int v) throws IOException { room(1); buf[n++] = (byte) v; written++; }
        void i16(int v) throws IOException { room(2); I16.set(buf, n, (short) v); n += 2; written += 2; }
        void i32(int v) throws IOException { room(4); I32.set(buf, n, v); n += 4; written += 4; }
        void i64(long v) throws IOException { room(8); I64.set(buf, n, v); n += 8; written += 8; }
        void str(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b, b.length);
        }
        void bytes(byte[] b, int len) throws IOException {
            if (len > buf.length - n) {
                drain();
                if (len > buf.length) { // large blocks (tensor data) go straight through
                    out.write(b, 0, len);
                    written += len;
                    return;
                }
            }
            System.arraycopy(b, 0, buf, n, len);
            n += len;
            written += len;
        }
        void zeros(long count) throws IOException { for (long i = 0; i < count; i++) u8(0); }
        void pad(long alignment) throws IOException { zeros(GgufReader.align(written, alignment) - written); }
        void flush() throws IOException { drain(); out.flush(); }

        private void room(int bytes) throws IOException { if (buf.length - n < bytes) drain(); }

        private void drain() throws IOException {
            out.write(buf, 0, n);
            n = 0;
        }
    }

}
