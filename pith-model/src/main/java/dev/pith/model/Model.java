package dev.pith.model;

import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.gguf.GgufValue;
import dev.pith.model.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one model representation every step of Pith passes along: a configuration, tensors under
 * their canonical GGUF names ({@code token_embd.weight}, {@code blk.N.attn_q.weight}, ...), a
 * tokenizer, and the metadata of the file it came from (kept so a GGUF round trip loses nothing).
 * Tensor data may be memory-mapped; close the model to release the files.
 */
public final class Model implements AutoCloseable {
    private final ModelConfig config;
    private final Map<String, Tensor> tensors;
    private final Tokenizer tokenizer;
    private final Map<String, GgufValue> metadata;
    private final Path source;
    private final List<AutoCloseable> resources;

    public Model(ModelConfig config, Map<String, Tensor> tensors, Tokenizer tokenizer,
                 Map<String, GgufValue> metadata, Path source, List<AutoCloseable> resources) {
        this.config = config;
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        this.tokenizer = tokenizer;
        this.metadata = metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        this.source = source;
        this.resources = new ArrayList<>(resources);
    }

    public ModelConfig config() { return config; }
    public Map<String, Tensor> tensors() { return tensors; }
    public Tokenizer tokenizer() { return tokenizer; }
    public Map<String, GgufValue> metadata() { return metadata; }
    public Path source() { return source; }

    public boolean has(String name) { return tensors.containsKey(name); }

    /** The tensor with this GGUF name; a clear error when the file lacks it. */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new PithException(source + ": the model has no tensor '" + name + "'.");
        return t;
    }

    /** The tensor or null. */
    public Tensor optional(String name) { return tensors.get(name); }

    /** Total number of weights. */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : tensors.values()) n += t.elementCount();
        return n;
    }

    /** Total bytes of tensor data. */
    public long byteSize() {
        long n = 0;
        for (Tensor t : tensors.values()) n += t.byteSize();
        return n;
    }

    @Override
    public void close() {
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception ignored) {
                // closing a mapping cannot fail in a way the caller could act on
            }
        }
    }
}
