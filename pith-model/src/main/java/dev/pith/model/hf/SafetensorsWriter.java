package dev.pith.model.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pith.core.AtomicFile;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes safetensors files the way the reference writer does: tensors laid out by descending dtype
 * then by name, a compact JSON header with "__metadata__" first and the tensors in data order,
 * padded with spaces to a multiple of 8 bytes. Files appear atomically. {@link #writeSharded}
 * splits large models into model-0000i-of-0000n.safetensors plus model.safetensors.index.json.
 */
public final class SafetensorsWriter {
    /** transformers' default max_shard_size ("5GB"). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    public SafetensorsWriter() {
        metadata.put("format", "pt");
    }

    public SafetensorsWriter putMetadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor under its Hugging Face name; its shape is in ggml order, as every Pith tensor's. */
    public SafetensorsWriter add(String name, Tensor t) {
        if (tensors.put(name, t) != null) throw new IllegalArgumentException("tensor '" + name + "' was added twice");
        return this;
    }

    /** Bytes of tensor data added so far. */
    public long dataBytes() {
        long n = 0;
        for (Tensor t : tensors.values()) n += t.byteSize();
        return n;
    }

    public void write(Path file) {
        for (var e : tensors.entrySet()) {
            if (SafetensorsDtypes.toSafetensors(e.getValue().type()) == null)
                throw new PithException(file + ": tensor '" + e.getKey() + "' is " + e.getValue().type()
                        + ", which Pith writes to safetensors only as F32, F16 or BF16; dequantize it first.");
            if (e.getKey().equals("__metadata__")) throw new PithException(file + ": a tensor cannot be named __metadata__.");
        }
        List<Map.Entry<String, Tensor>> order = new ArrayList<>(tensors.entrySet());
        order.sort(Comparator.<Map.Entry<String, Tensor>>comparingInt(e -> -SafetensorsDtypes.layoutRank(e.getValue().type()))
                .thenComparing(Map.Entry::getKey));
        byte[] header = header(order);
        AtomicFile.write(file, out -> {
            byte[] len = new byte[8];
            for (int i = 0; i < 8; i++) len[i] = (byte) ((long) header.length >>> (8 * i));
            out.write(len);
            out.write(header);
            for (var e : order) copy(e.getValue().data(), out);
        });
    }

    private byte[] header(List<Map.Entry<String, Tensor>> order) {
        Map<String, Object> h = new LinkedHashMap<>();
        if (!metadata.isEmpty()) h.put("__metadata__", metadata);
        long offset = 0;
        for (var e : order) {
            Tensor t = e.getValue();
            long[] ggml = t.shape();
            long[] shape = new long[ggml.length];
            for (int i = 0; i < shape.length; i++) shape[i] = ggml[ggml.length - 1 - i];
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", SafetensorsDtypes.toSafetensors(t.type()));
            entry.put("shape", shape);
            entry.put("data_offsets", new long[] {offset, offset + t.byteSize()});
            h.put(e.getKey(), entry);
            offset += t.byteSize();
        }
        try {
            byte[] json = JSON.writeValueAsBytes(h);
            int padded = (json.length + 7) / 8 * 8;
            byte[] out = Arrays.copyOf(json, padded);
            Arrays.fill(out, json.length, padded, (byte) ' ');
            return out;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings and numbers always serialises", e);
        }
    }

    private static void copy(MemorySegment data, OutputStream out) throws IOException {
        byte[] chunk = new byte[(int) Math.min(1 << 20, Math.max(1, data.byteSize()))];
        for (long p = 0; p < data.byteSize(); p += chunk.length) {
            int n = (int) Math.min(chunk.length, data.byteSize() - p);
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, p, chunk, 0, n);
            out.write(chunk, 0, n);
        }
    }

    /**
     * Writes tensors (Hugging Face names, in the order given) into {@code dir} as transformers does:
     * one model.safetensors when they fit in {@code maxShardBytes}, else consecutive shards of at most
     * that size (a single larger tensor gets a shard of its own) and an index. Files of the other
     * layout left from an earlier write are removed, so the folder never holds both.
     *
     * @return the files written, the index last when there is one
     */
    public static List<Path> writeSharded(Path dir, Map<String, Tensor> tensors, long maxShardBytes) {
        if (maxShardBytes <= 0) throw new IllegalArgumentException("maxShardBytes must be positive");
        List<Map<String, Tensor>> shards = new ArrayList<>();
        Map<String, Tensor> current = new LinkedHashMap<>();
        long currentBytes = 0;
        for (var e : tensors.entrySet()) {
            long b = e.getValue().byteSize();
            if (!current.isEmpty() && currentBytes + b > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentBytes = 0;
            }
            current.put(e.getKey(), e.getValue());
            currentBytes += b;
        }
        shards.add(current);

        List<Path> written = new ArrayList<>();
        if (shards.size() == 1) {
            Path file = dir.resolve(SafetensorsCheckpoint.SINGLE);
            writeOne(file, shards.get(0));
            written.add(file);
            deleteIfExists(dir.resolve(SafetensorsCheckpoint.INDEX));
            return written;
        }
        Map<String, String> weightMap = new TreeMap<>();
        long total = 0;
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            Path file = dir.resolve(name);
            writeOne(file, shards.get(i));
            written.add(file);
            for (var e : shards.get(i).entrySet()) {
                weightMap.put(e.getKey(), name);
                total += e.getValue().byteSize();
            }
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("metadata", Map.of("total_size", total));
        index.put("weight_map", weightMap);
        Path indexFile = dir.resolve(SafetensorsCheckpoint.INDEX);
        AtomicFile.write(indexFile, out -> out.write((PRETTY.writeValueAsString(index) + "\n").getBytes(StandardCharsets.UTF_8)));
        written.add(indexFile);
        deleteIfExists(dir.resolve(SafetensorsCheckpoint.SINGLE));
        return written;
    }

    private static void writeOne(Path file, Map<String, Tensor> tensors) {
        SafetensorsWriter w = new SafetensorsWriter();
        tensors.forEach(w::add);
        w.write(file);
    }

    private static void deleteIfExists(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new PithException(p + ": cannot remove the stale file (" + e.getMessage() + ").", e);
        }
    }
}
