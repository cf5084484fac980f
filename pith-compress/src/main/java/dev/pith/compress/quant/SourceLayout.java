package dev.pith.compress.quant;

import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.gguf.GgufFile;
import dev.pith.model.gguf.GgufTensorInfo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Where each tensor of a model loaded from a GGUF file lies in that file, so the quantizer can read
 * it with plain (direct) reads instead of through the memory mapping ({@link ChunkReader}). Only a
 * model whose every tensor is still the file's own mapped bytes (same name, type and size) has a
 * layout; anything else (an edited model, another format) reads through memory as before.
 */
final class SourceLayout {
    private SourceLayout() {}

    /** Each tensor's byte offset in {@code m.source()}, or null when the tensors are not the file's mapped bytes. */
    static Map<String, Long> offsets(Model m) {
        Path src = m.source();
        if (src == null || !Files.isRegularFile(src)) return null;
        for (Tensor t : m.tensors().values()) if (!t.data().isMapped() || t.byteSize() == 0) return null;
        try (GgufFile f = GgufFile.open(src)) {
            Map<String, Long> out = new HashMap<>();
            for (GgufTensorInfo info : f.tensorInfos()) {
                Tensor mine = m.tensors().get(info.name());
                Tensor theirs = f.tensor(info.name());
                if (mine == null || mine.type() != theirs.type() || mine.byteSize() != theirs.byteSize()) return null;
                out.put(info.name(), f.dataOffset() + info.offset());
            }
            return out.size() == m.tensors().size() ? out : null;
        } catch (PithException e) {
            return null;
        }
    }

    /** Whether most of the model's tensor bytes are already in the page cache (then the mapping is the faster read). */
    static boolean mostlyCached(Model m) {
        long cached = 0, total = 0;
        for (Tensor t : m.tensors().values()) {
            total += t.byteSize();
            if (t.byteSize() > 0 && t.data().isLoaded()) cached += t.byteSize();
        }
        return cached * 2 > total;
    }
}
