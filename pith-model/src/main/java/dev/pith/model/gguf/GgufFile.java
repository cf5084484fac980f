package dev.pith.model.gguf;

import dev.pith.core.Mapped;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed GGUF file: its metadata in file order and its tensors, whose data are slices of the
 * memory-mapped file (nothing is copied). Close it to unmap.
 */
public final class GgufFile implements AutoCloseable {
    public static final int DEFAULT_ALIGNMENT = 32;

    private final Path path;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final List<GgufTensorInfo> infos;
    private final Map<String, Tensor> tensors;
    private final long dataOffset;
    private final Mapped mapped;

    GgufFile(Path path, int version, Map<String, GgufValue> metadata, List<GgufTensorInfo> infos,
             Map<String, Tensor> tensors, long dataOffset, Mapped mapped) {
        this.path = path;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        this.infos = List.copyOf(infos);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.dataOffset = dataOffset;
        this.mapped = mapped;
    }

    /** Opens, validates and maps a GGUF file; throws {@link PithException} naming the problem. */
    public static GgufFile open(Path path) {
        return GgufReader.read(path);
    }

    public Path path() { return path; }
    public int version() { return version; }
    public Map<String, GgufValue> metadata() { return metadata; }
    public List<GgufTensorInfo> tensorInfos() { return infos; }
    public Map<String, Tensor> tensors() { return tensors; }
    public long dataOffset() { return dataOffset; }

    public Tensor tensor(String name) { return tensors.get(name); }

    public GgufValue get(String key) { return metadata.get(key); }

    public boolean has(String key) { return metadata.containsKey(key); }

    public String getString(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) return null;
        if (v.type() != GgufValueType.STRING) throw bad(key + " is " + v.type() + ", expected a string");
        return (String) v.value();
    }

    public long getLong(String key, long fallback) {
        GgufValue v = metadata.get(key);
        if (v == null) return fallback;
        try {
            return v.asLong();
        } catch (IllegalStateException e) {
            throw bad(key + " is " + v.type() + ", expected an integer");
        }
    }

    public double getDouble(String key, double fallback) {
        GgufValue v = metadata.get(key);
        if (v == null) return fallback;
        if (!(v.value() instanceof Number n)) throw bad(key + " is " + v.type() + ", expected a number");
        return n.doubleValue();
    }

    public boolean getBool(String key, boolean fallback) {
        GgufValue v = metadata.get(key);
        if (v == null) return fallback;
        if (v.value() instanceof Boolean b) return b;
        throw bad(key + " is " + v.type() + ", expected a bool");
    }

    /** An array value's elements, or null when the key is absent. */
    public List<Object> getArray(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) return null;
        if (!v.isArray()) throw bad(key + " is " + v.type() + ", expected an array");
        return v.list();
    }

    public List<String> getStringArray(String key) {
        List<Object> l = getArray(key);
        if (l == null) return null;
        List<String> out = new ArrayList<>(l.size());
        for (Object o : l) {
            if (!(o instanceof String s)) throw bad(key + " holds non-string values");
            out.add(s);
        }
        return out;
    }

    private PithException bad(String what) {
        return new PithException(path + ": metadata " + what + ".");
    }

    @Override
    public void close() { mapped.close(); }
}
