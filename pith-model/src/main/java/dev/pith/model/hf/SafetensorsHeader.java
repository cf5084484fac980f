package dev.pith.model.hf;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.JacksonException;
import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates a safetensors header against the bytes that are really there
 * (https://github.com/huggingface/safetensors, "Format"): an 8-byte little-endian header length,
 * a JSON object {name: {dtype, shape, data_offsets}, "__metadata__": {string: string}}, then the
 * tensor bytes. As the reference implementation demands, the tensors must tile the data section
 * exactly (no gap, no overlap, nothing after the last one), so a file that passes here is one the
 * reference would read too. Nothing is allocated before its size has been checked against the file.
 */
final class SafetensorsHeader {
    /** The reference implementation refuses headers above 100 MB; so does Pith. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ObjectMapper STRICT_JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());

    /** A validated file: its free-form metadata and its tensors as slices of the segment, in header order. */
    record Parsed(Map<String, String> metadata, Map<String, Tensor> tensors, long dataStart) {}

    private record Entry(String name, DType type, long[] shape, long begin, long end) {}

    private final Path path;
    private final MemorySegment seg;

    private SafetensorsHeader(Path path, MemorySegment seg) {
        this.path = path;
        this.seg = seg;
    }

    static Parsed parse(Path path, MemorySegment seg) {
        return new SafetensorsHeader(path, seg).parse();
    }

    private Parsed parse() {
        long size = seg.byteSize();
        if (looksLikePickle(seg)) throw Safetensors.pickleError(path);
        if (size < 8) throw fail("is too short to be a safetensors file (" + size + " bytes)");
        long n = seg.get(U64, 0);
        if (n < 0 || n > size - 8)
            throw fail("declares a " + Long.toUnsignedString(n) + "-byte header but only " + (size - 8)
                    + " bytes follow the length, so it is truncated or not a safetensors file");
        if (n > MAX_HEADER_BYTES) throw fail("declares a " + n + "-byte header, more than the 100 MB the format allows");
        if (n < 2 || seg.get(ValueLayout.JAVA_BYTE, 8) != '{')
            throw fail("is not a safetensors file: its header does not start with '{'");
        byte[] header = seg.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        long dataStart = 8 + n;
        long dataLen = size - dataStart;

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        readJson(header, metadata, entries);

        for (Entry e : entries) {
            if (e.end > dataLen)
                throw fail("is truncated: tensor '" + abbreviate(e.name) + "' needs bytes " + e.begin + ".." + e.end
                        + " of the data section but it holds only " + dataLen + " bytes");
        }
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : byOffset) {
            if (e.begin < expected)
                throw fail("has overlapping tensors: '" + abbreviate(previous.name) + "' ends at byte " + expected + " but '" + e.name
                        + "' starts at byte " + e.begin);
            if (e.begin > expected)
                throw fail("leaves bytes " + expected + ".." + e.begin + " of its data section unused before tensor '"
                        + e.name + "', which the format does not allow");
            expected = e.end;
            previous = e;
        }
        if (expected != dataLen)
            throw fail("has " + (dataLen - expected) + " bytes after its last tensor, which the format does not allow");

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            long[] ggml = new long[e.shape.length];
            for (int i = 0; i < ggml.length; i++) ggml[i] = e.shape[e.shape.length - 1 - i];
            tensors.put(e.name, new Tensor(e.name, e.type, ggml, seg.asSlice(dataStart + e.begin, e.end - e.begin)));
        }
        return new Parsed(metadata, tensors, dataStart);
    }

    private void readJson(byte[] header, Map<String, String> metadata, List<Entry> entries) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        try (JsonParser p = STRICT_JSON.createParser(header)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw fail("is not a safetensors file: its header is not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                seen.add(name);
                p.nextToken();
                JsonNode value = STRICT_JSON.readTree(p);
                if (name.equals("__metadata__")) readMetadata(value, metadata);
                else entries.add(entry(name, value));
            }
            if (p.currentToken() != JsonToken.END_OBJECT) throw fail("has a header that is not a complete JSON object");
            if (p.nextToken() != null) throw fail("has bytes after the JSON object of its header");
        } catch (JacksonException e) {
            String msg = e.getOriginalMessage();
            var dup = msg == null ? null : java.util.regex.Pattern.compile("Duplicate field '(.*)'", java.util.regex.Pattern.DOTALL).matcher(msg);
            if (dup != null && dup.matches()) {
                String name = dup.group(1);
                if (seen.contains(name)) throw fail("has the tensor '" + abbreviate(name) + "' twice", e);
                throw fail("has a header entry with the field '" + abbreviate(name) + "' twice", e);
            }
            throw fail("has a header that is not valid JSON (" + msg + ")", e);
        } catch (IOException e) {
            throw fail("has a header that cannot be read (" + e.getMessage() + ")", e);
        }
    }

    private void readMetadata(JsonNode v, Map<String, String> metadata) {
        if (v == null || v.isNull()) return;
        if (!v.isObject()) throw fail("has a __metadata__ entry that is not a JSON object");
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            if (!e.getValue().isTextual()) throw fail("has __metadata__ value '" + abbreviate(e.getKey()) + "' that is not a string");
            metadata.put(e.getKey(), e.getValue().textValue());
        }
    }

    private Entry entry(String name, JsonNode v) {
        if (v == null || !v.isObject()) throw fail("has tensor '" + abbreviate(name) + "' whose entry is not a JSON object");
        for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("dtype") && !f.equals("shape") && !f.equals("data_offsets"))
                throw fail("has tensor '" + abbreviate(name) + "' with an unexpected field '" + abbreviate(f) + "'");
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) throw fail("has tensor '" + abbreviate(name) + "' without a dtype string");
        String dtype = dt.textValue();
        DType type = SafetensorsDtypes.toPith(dtype);
        if (type == null) {
            if (SafetensorsDtypes.KNOWN.contains(dtype))
                throw fail("stores tensor '" + abbreviate(name) + "' as " + dtype + "; Pith reads only F32, F16 and BF16 tensors");
            throw fail("has tensor '" + abbreviate(name) + "' of unknown dtype '" + abbreviate(dtype) + "'");
        }
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray()) throw fail("has tensor '" + abbreviate(name) + "' without a shape array");
        long[] shape = new long[sh.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(sh.get(i), "a dimension of tensor '" + abbreviate(name) + "'");
            count = multiply(count, shape[i], "the shape of tensor '" + abbreviate(name) + "'");
        }
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2)
            throw fail("has tensor '" + abbreviate(name) + "' without a data_offsets pair [begin, end]");
        long begin = nonNegativeLong(off.get(0), "the begin offset of tensor '" + abbreviate(name) + "'");
        long end = nonNegativeLong(off.get(1), "the end offset of tensor '" + abbreviate(name) + "'");
        if (end < begin) throw fail("has tensor '" + abbreviate(name) + "' whose data ends (" + end + ") before it begins (" + begin + ")");
        long bytes = multiply(count, type.bytesFor(1), "the size of tensor '" + abbreviate(name) + "'");
        if (bytes != end - begin)
            throw fail("has tensor '" + abbreviate(name) + "' of shape " + java.util.Arrays.toString(shape) + " " + dtype + " (" + bytes
                    + " bytes) but data_offsets span " + (end - begin) + " bytes");
        return new Entry(name, type, shape, begin, end);
    }

    private long nonNegativeLong(JsonNode n, String what) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0)
            throw fail("has " + what + " that is not a non-negative 64-bit integer");
        return n.longValue();
    }

    private long multiply(long a, long b, String what) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw fail("has " + what + " too large to address");
        }
    }

    /** Python's torch.save output: a raw pickle (protocol 2 to 5) or the zip archive around one. */
    static boolean looksLikePickle(MemorySegment seg) {
        long size = seg.byteSize();
        // A safetensors file has '{' right after its 8-byte length; a pickle or zip never does there.
        if (size >= 9 && seg.get(ValueLayout.JAVA_BYTE, 8) == '{') return false;
        if (size < 4) return false;
        byte b0 = seg.get(ValueLayout.JAVA_BYTE, 0), b1 = seg.get(ValueLayout.JAVA_BYTE, 1);
        boolean pickle = (b0 & 0xff) == 0x80 && b1 >= 2 && b1 <= 5;
        boolean zip = b0 == 'P' && b1 == 'K' && seg.get(ValueLayout.JAVA_BYTE, 2) == 3 && seg.get(ValueLayout.JAVA_BYTE, 3) == 4;
        return pickle || zip;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    private PithException fail(String what) { return new PithException(path + " " + what + "."); }

    private PithException fail(String what, Throwable cause) { return new PithException(path + " " + what + ".", cause); }
}
