package dev.pith.model.hf;

import dev.pith.core.Mapped;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;

/**
 * One safetensors file, memory-mapped and validated (see {@link SafetensorsHeader}). Its tensors
 * keep their Hugging Face names and are slices of the mapping: nothing is copied. Shapes are in
 * ggml order (fastest dimension first), i.e. the reverse of the file's row-major shape. Close it to
 * unmap; the tensors are unusable afterwards.
 */
public final class Safetensors implements AutoCloseable {
    private final Path path;
    private final Mapped mapped;
    private final Map<String, String> metadata;
    private final Map<String, Tensor> tensors;

    private Safetensors(Path path, Mapped mapped, SafetensorsHeader.Parsed parsed) {
        this.path = path;
        this.mapped = mapped;
        this.metadata = Collections.unmodifiableMap(parsed.metadata());
        this.tensors = Collections.unmodifiableMap(parsed.tensors());
    }

    /** Maps and validates the file; any problem is a {@link PithException} naming the file. */
    public static Safetensors open(Path path) {
        if (isPickleName(path)) throw pickleError(path);
        Mapped mapped = Mapped.open(path);
        try {
            return new Safetensors(path, mapped, SafetensorsHeader.parse(path, mapped.segment()));
        } catch (RuntimeException e) {
            mapped.close();
            throw e;
        }
    }

    public Path path() { return path; }

    /** The free-form "__metadata__" strings (e.g. format = pt). */
    public Map<String, String> metadata() { return metadata; }

    /** Tensors by Hugging Face name, in header order. */
    public Map<String, Tensor> tensors() { return tensors; }

    /** The tensor with this name, or null. */
    public Tensor tensor(String name) { return tensors.get(name); }

    @Override
    public void close() { mapped.close(); }

    /** File names torch.save writes; they hold pickles, which run code when loaded. */
    static boolean isPickleName(Path path) {
        String n = path.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".ckpt") || n.endsWith(".pkl")
                || n.endsWith(".bin.index.json");
    }

    static PithException pickleError(Path path) {
        return new PithException(path + " is a PyTorch pickle file; Pith never loads pickles because loading one can run"
                + " arbitrary code, so convert the model to safetensors first.");
    }
}
