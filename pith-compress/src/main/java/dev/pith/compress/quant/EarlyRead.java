package dev.pith.compress.quant;

import dev.pith.core.Mapped;
import dev.pith.core.Tensor;
import dev.pith.model.Model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The direct read of a cold GGUF input, started from the file's header before the model is loaded:
 * parsing llama-3.2-1b's metadata (128K tokens, 280K merges) takes ~0.2 s of a cold JVM, during
 * which the disk, the slowest part of round to nearest, would otherwise stand idle. The plan and
 * the chunk order come from the header alone (tensor names, types and shapes; the block and head
 * counts); {@link ModelQuantizer#write} adopts the reader only when the loaded model gives the
 * same plan and the same chunks, else it is closed unused and the usual path reads the file.
 * So the output bytes never depend on it.
 */
public final class EarlyRead implements AutoCloseable {
    private final Mapped file;
    private final List<Tensor> work;
    private final ModelQuantizer.Chunks chunks;
    private final TypePlanner.Plan plan;
    private final ChunkReader reader;
    private boolean adopted;

    private EarlyRead(Mapped file, List<Tensor> work, ModelQuantizer.Chunks chunks, TypePlanner.Plan plan, ChunkReader reader) {
        this.file = file;
        this.work = work;
        this.chunks = chunks;
        this.plan = plan;
        this.reader = reader;
    }

    /**
     * Starts reading {@code path} for round to nearest to {@code ftype}, or returns null where
     * that does not apply: not a GGUF file the header walk understands, or mostly in the page cache
     * already (the mapped path is the faster read then).
     */
    public static EarlyRead start(Path path, FileType ftype, List<TypePlanner.Override> overrides) {
        return start(path, ftype, overrides, ModelQuantizer.FROM_DISK);
    }

    /** {@link #start}, where {@code evenIfCached} starts it on a cached file too (tests, whose small files are always cached). */
    static EarlyRead start(Path path, FileType ftype, List<TypePlanner.Override> overrides, boolean evenIfCached) {
        if (!Files.isRegularFile(path)) return null;
        Mapped file = null;
        try {
            file = Mapped.open(path);
            SourceLayout.Listing l = SourceLayout.listing(file);
            if (l == null || l.architecture() == null || !evenIfCached && SourceLayout.mostlyCached(l.tensors())) {
                file.close();
                return null;
            }
            Long layers = l.integers().get(l.architecture() + ".block_count");
            Long heads = l.integers().get(l.architecture() + ".attention.head_count");
            long kvHeads = l.integers().getOrDefault(l.architecture() + ".attention.head_count_kv", heads == null ? 1 : heads);
            if (layers == null || heads == null || kvHeads <= 0) {
                file.close();
                return null;
            }
            List<TypePlanner.Input> in = new ArrayList<>();
            for (Tensor t : l.tensors()) in.add(new TypePlanner.Input(t.name(), t.shape(), t.type()));
            TypePlanner.Plan plan = TypePlanner.plan(in, ftype, Math.toIntExact(layers), (int) (heads / kvHeads), overrides, false);
            List<Tensor> work = new RtnEncoder().order(l.tensors());
            ModelQuantizer.Chunks chunks = ModelQuantizer.chunks(work, plan, l.offsets(), ModelQuantizer.CHUNK_BYTES);
            ChunkReader reader = new ChunkReader(path, chunks.ranges(), chunks.bufferBytes(), ModelQuantizer.readAhead(chunks));
            QuantTrace.mark("early read started");
            return new EarlyRead(file, work, chunks, plan, reader);
        } catch (RuntimeException e) {
            if (file != null) file.close();
            return null; // a file the walk cannot plan: the usual path reads it (and reports what is wrong with it)
        }
    }

    /**
     * The reader, when {@code m} (loaded from the same file), its {@code plan} and the chunks of
     * {@code work} are the ones it reads; null otherwise. The caller closes an adopted reader.
     */
    ChunkReader adopt(Model m, List<Tensor> work, TypePlanner.Plan plan, ModelQuantizer.Chunks chunks) {
        if (adopted || m.source() == null || !file.path().toAbsolutePath().equals(m.source().toAbsolutePath()) || work.size() != this.work.size()) return null;
        for (int i = 0; i < work.size(); i++) {
            Tensor a = work.get(i), b = this.work.get(i);
            if (!a.name().equals(b.name()) || a.type() != b.type() || !Arrays.equals(a.shape(), b.shape())) return null;
        }
        if (!plan.types().equals(this.plan.types()) || !chunks.ranges().equals(this.chunks.ranges())
                || chunks.rows().size() != this.chunks.rows().size()) return null;
        for (int i = 0; i < chunks.rows().size(); i++) if (!Arrays.equals(chunks.rows().get(i), this.chunks.rows().get(i))) return null;
        adopted = true;
        return reader;
    }

    /** Whether {@link ModelQuantizer#write} took the reader over. */
    boolean adopted() {
        return adopted;
    }

    @Override
    public void close() {
        if (!adopted) reader.close();
        file.close();
    }
}
