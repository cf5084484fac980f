package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.core.quant.RowEncoder;
import dev.pith.model.Model;
import dev.pith.model.gguf.GgufStreamWriter;
import dev.pith.model.gguf.GgufValue;
import dev.pith.model.gguf.GgufWriter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Quantizes a whole model to a llama.cpp file type: {@link TypePlanner} picks each tensor's type,
 * a {@link MatrixEncoder} (round to nearest, importance weighted or GPTQ) writes the weight
 * matrices, every other tensor keeps its type. The metadata gets llama.cpp's general.file_type
 * and general.quantization_version, so the file reads like one llama-quantize wrote.
 * The result lives off-heap until it is closed.
 */
public final class ModelQuantizer {
    /** ggml's GGML_QNT_VERSION, which llama-quantize writes as general.quantization_version. */
    static final int QUANTIZATION_VERSION = 2;

    private ModelQuantizer() {}

    /** The plan for a model: every tensor's type and the fallback warnings. */
    public static TypePlanner.Plan plan(Model m, FileType ftype, List<TypePlanner.Override> overrides, boolean imatrix) {
        List<TypePlanner.Input> in = new ArrayList<>();
        for (Tensor t : m.tensors().values()) in.add(new TypePlanner.Input(t.name(), t.shape(), t.type()));
        int gqa = m.config().kvHeads() > 0 ? m.config().heads() / m.config().kvHeads() : 1;
        return TypePlanner.plan(in, ftype, m.config().layers(), gqa, overrides, imatrix);
    }

    /**
     * Applies a plan. {@code encoder} writes every tensor that changes to a quantized type;
     * F32/F16/BF16 targets are plain conversions. {@code progress} hears each finished tensor's name.
     */
    public static Model apply(Model m, FileType ftype, TypePlanner.Plan plan, MatrixEncoder encoder, Consumer<String> progress) {
        Arena arena = Arena.ofShared();
        try {
            Map<String, Tensor> done = new java.util.HashMap<>();
            for (Tensor t : encoder.order(new ArrayList<>(m.tensors().values()))) {
                DType target = plan.types().get(t.name());
                done.put(t.name(), target == t.type() ? t : encode(m, t, target, encoder, arena));
                progress.accept(t.name());
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String name : m.tensors().keySet()) out.put(name, done.get(name));
            return new Model(m.config(), out, m.tokenizer(), metadata(m, ftype), m.source(), List.of(arena::close));
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Applies a plan straight into the GGUF file {@code out}: the header and every offset are known
     * from the plan, so the output is written at its offsets while the encoder goes on
     * ({@link WriteBehind}): a chunk of rows at a time for row-wise encoders (memory: a few chunks),
     * a tensor at a time for the others (two tensors' output). The file's bytes equal
     * {@code ModelWriters.writeGguf(apply(...))} (a GGUF source's metadata is kept as it is); it
     * appears only when complete.
     * {@code progress} hears each tensor's name once it is encoded. The next tensor's input is
     * read ahead while one is encoded ({@link InputPrefetch}, or {@link ChunkReader} from a cold
     * disk), so reading overlaps the work.
     */
    public static Written write(Model m, FileType ftype, TypePlanner.Plan plan, MatrixEncoder encoder, Path out,
                                Consumer<String> progress) {
        return write(m, ftype, plan, encoder, out, progress, 0, null);
    }

    /**
     * {@link #write}, taking over {@code early}'s disk read (started before {@code m} was loaded)
     * when it reads the chunks this plan needs; else it goes unused (the caller closes it).
     */
    public static Written write(Model m, FileType ftype, TypePlanner.Plan plan, MatrixEncoder encoder, Path out,
                                Consumer<String> progress, EarlyRead early) {
        return write(m, ftype, plan, encoder, out, progress, 0, early);
    }

    /**
     * {@link #write}, where {@code diskChunkBytes > 0} reads a GGUF input from disk in chunks of at
     * most that size even when it is in the page cache (tests use it to check that path's bytes).
     */
    static Written write(Model m, FileType ftype, TypePlanner.Plan plan, MatrixEncoder encoder, Path out,
                         Consumer<String> progress, long diskChunkBytes) {
        return write(m, ftype, plan, encoder, out, progress, diskChunkBytes, null);
    }

    private static Written write(Model m, FileType ftype, TypePlanner.Plan plan, MatrixEncoder encoder, Path out,
                                 Consumer<String> progress, long diskChunkBytes, EarlyRead early) {
        List<Tensor> order = new ArrayList<>(m.tensors().values());
        List<GgufWriter.Slot> slots = new ArrayList<>();
        Map<String, Integer> counts = new java.util.TreeMap<>();
        long bytes = 0;
        for (Tensor t : order) {
            GgufWriter.Slot s = new GgufWriter.Slot(t.name(), plan.types().get(t.name()), t.shape());
            slots.add(s);
            counts.merge(s.type().name(), 1, Integer::sum);
            bytes += s.byteSize();
        }
        // A cold GGUF input is read from disk by direct I/O for row-wise encoders; a cached one through its mapping.
        // (an early read of the input is only ever started when the input was not cached)
        boolean fromDisk = encoder.rowWise() && (diskChunkBytes > 0 || early != null || FROM_DISK || !SourceLayout.mostlyCached(m));
        Map<String, Long> offsets = fromDisk ? SourceLayout.offsets(m) : null;
        long chunkBytes = diskChunkBytes > 0 ? diskChunkBytes : CHUNK_BYTES;
        List<Tensor> work = encoder.order(order);
        QuantTrace.mark("write: plan ready, fromDisk=" + fromDisk);
        if (offsets != null) {
            Chunks chunks = chunks(work, plan, offsets, chunkBytes);
            ChunkReader adopted = early != null && encoder instanceof RtnEncoder && diskChunkBytes == 0 ? early.adopt(m, work, plan, chunks) : null;
            QuantTrace.mark("early read " + (adopted != null ? "adopted" : "not used"));
            // the reader starts first: the disk is the slowest part, so it should never wait for the setup below
            try (ChunkReader reader = adopted != null ? adopted : new ChunkReader(m.source(), chunks.ranges(), chunks.bufferBytes(), readAhead(chunks));
                 GgufStreamWriter w = GgufStreamWriter.open(out, metadata(m, ftype), slots);
                 WriteBehind writes = new WriteBehind(w, largestChunkOutput(work, plan, chunkBytes), 4)) {
                QuantTrace.mark("reader, writer open");
                streamFromDisk(m, plan, encoder, work, chunks, reader, writes, progress);
                QuantTrace.mark("all chunks encoded");
                writes.await();
                QuantTrace.mark("writes done");
                w.commit();
                QuantTrace.mark("committed; read " + ChunkReader.READ.millis() + " ms (2 threads), readers waited for buffers "
                        + ChunkReader.WAIT.millis() + " ms, encoder waited for reads " + ChunkReader.TAKE.millis() + " ms, encode "
                        + ENCODE.millis() + " ms, encoder waited for write buffers " + WriteBehind.WAIT.millis() + " ms, write " + WriteBehind.WRITE.millis() + " ms");
            }
            QuantTrace.mark("closed");
            return new Written(bytes, counts);
        }
        try (GgufStreamWriter w = GgufStreamWriter.open(out, metadata(m, ftype), slots);
             InputPrefetch prefetch = new InputPrefetch();
             WriteBehind writes = encoder.rowWise() ? new WriteBehind(w, largestChunkOutput(work, plan, chunkBytes), 4)
                     : new WriteBehind(w, largestChangedOutput(work, plan), 2)) {
            for (int i = 0; i < work.size(); i++) {
                Tensor t = work.get(i);
                if (i + 1 < work.size()) prefetch.next(work.get(i + 1).data());
                DType target = plan.types().get(t.name());
                if (target == t.type()) {
                    writes.write(t.name(), 0, t.data());
                } else if (encoder.rowWise()) {
                    // a chunk of rows at a time, as from disk: small reused output buffers
                    int per = rowsPerChunk(t, chunkBytes);
                    for (int r = 0; r < t.rows(); r += per) {
                        int n = Math.min(per, t.rows() - r);
                        encodeRows(m, t, r, n, t.data().asSlice(r * t.rowBytes(), n * t.rowBytes()), target, encoder, writes);
                    }
                } else {
                    MemorySegment dst = writes.buffer(target.bytesFor(t.cols()) * t.rows());
                    encode(m, t, target, encoder, dst);
                    writes.write(t.name(), 0, dst);
                }
                progress.accept(t.name());
            }
            writes.await();
            w.commit();
        }
        return new Written(bytes, counts);
    }

    /**
     * {@code -Dpith.quant.fromDisk=true}: row-wise encoders read a GGUF input by direct I/O even when it
     * is cached (bench/quantize/aot.sh trains the JVM's AOT cache on that path with a small, cached model).
     */
    static final boolean FROM_DISK = Boolean.getBoolean("pith.quant.fromDisk");

    /**
     * Read buffers for the disk path where the encoders are quick (round to nearest without a scale search). At the start of a run the
     * readers fill them while the metadata is parsed, the output's header written and the encoder compiled:
     * 16 buffers filled in ~0.15 s and then left the disk idle for ~0.5 s of a 1B Q8_0 run (trace); 48 took
     * that run from 1.08x to 0.93x the time of {@code dd iflag=direct} (bench/RESULTS.md, session 14). A buffer
     * costs memory only once a reader gets that far ahead; at most 1/32 of the machine's memory, at least 16.
     */
    static final int READ_AHEAD = readAheadFor(physicalMemory());

    /**
     * Read buffers when most of the input goes through a K-quant scale search: the encoders, not the disk,
     * set the pace then (llama-3.2-1b Q4_K_M: ~12 CPU-s against a 4-5 s read on 2 cores), so buffers
     * filled ahead of them save no time, and each fresh one costs its first touch: 46 of them were 0.7 GB
     * of page zeroing, ~1.3 CPU-s of the run on the KVM guest (perf, bench/RESULTS.md session 18).
     */
    static final int SEARCH_READ_AHEAD = 8;

    /** Read buffers for {@code chunks} ({@code -Dpith.quant.readAhead=N} overrides): fewer where the scale searches set the pace. */
    static int readAhead(Chunks chunks) {
        Integer forced = Integer.getInteger("pith.quant.readAhead");
        if (forced != null) return forced;
        return chunks.searchedBytes() * 2 >= chunks.totalBytes() ? SEARCH_READ_AHEAD : READ_AHEAD;
    }

    /** Buffers of {@link #CHUNK_BYTES} for a machine with {@code memoryBytes} of memory (0: unknown). */
    static int readAheadFor(long memoryBytes) {
        long fit = memoryBytes / 32 / CHUNK_BYTES;
        return (int) Math.clamp(fit, 16, 48);
    }

    private static long physicalMemory() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getTotalMemorySize() : 0;
    }

    /** Bytes of input a {@link ChunkReader} buffer (or a mapped chunk) holds: big enough for long sequential reads, small enough that encoding starts at once. */
    static final long CHUNK_BYTES = 16L << 20;

    /** Whole rows of {@code t} in at most {@code chunkBytes} of input (one row when a row is larger). */
    private static int rowsPerChunk(Tensor t, long chunkBytes) {
        return (int) Math.max(1, Math.min(t.rows(), chunkBytes / Math.max(1, t.rowBytes())));
    }

    /** The largest output of a tensor whose type changes (whole-matrix encoders write the others straight from the input). */
    private static long largestChangedOutput(List<Tensor> work, TypePlanner.Plan plan) {
        long largest = 0;
        for (Tensor t : work) {
            DType target = plan.types().get(t.name());
            if (target != t.type()) largest = Math.max(largest, target.bytesFor(t.cols()) * t.rows());
        }
        return largest;
    }

    /** The largest output of one chunk of rows over the tensors of {@code work}: the write buffers' size. */
    private static long largestChunkOutput(List<Tensor> work, TypePlanner.Plan plan, long chunkBytes) {
        long largest = 0;
        for (Tensor t : work) largest = Math.max(largest, plan.types().get(t.name()).bytesFor(t.cols()) * rowsPerChunk(t, chunkBytes));
        return largest;
    }

    /**
     * The path for row-wise encoders on a cold input: each tensor's bytes are read from the file
     * ({@link ChunkReader}, direct I/O) a few rows at a time while the rows before them are encoded
     * and written, a chunk at a time. The bytes equal those of the mapped path: each row is encoded
     * from the same values by the same encoder.
     */
    /** Each tensor cut into ranges of whole rows of at most {@code chunkBytes} (one row when a row is larger), in {@link ChunkSchedule}'s order. */
    record Chunks(List<ChunkReader.Range> ranges, List<int[]> rows, long bufferBytes, long searchedBytes) {
        /** Input bytes of all the ranges. */
        long totalBytes() {
            long sum = 0;
            for (ChunkReader.Range r : ranges) sum += r.bytes();
            return sum;
        }
    }

    static Chunks chunks(List<Tensor> work, TypePlanner.Plan plan, Map<String, Long> offsets, long chunkBytes) {
        List<ChunkReader.Range> ranges = new ArrayList<>();
        List<int[]> rows = new ArrayList<>(); // per range: tensor index, first row, row count
        List<Boolean> heavy = new ArrayList<>();
        long buffer = chunkBytes, searchedBytes = 0;
        for (int i = 0; i < work.size(); i++) {
            Tensor t = work.get(i);
            long rowBytes = t.rowBytes();
            int per = rowsPerChunk(t, chunkBytes);
            buffer = Math.max(buffer, per * rowBytes);
            for (int r = 0; r < t.rows(); r += per) {
                int n = Math.min(per, t.rows() - r);
                ranges.add(new ChunkReader.Range(offsets.get(t.name()) + r * rowBytes, n * rowBytes));
                rows.add(new int[] {i, r, n});
                heavy.add(searched(t.type(), plan.types().get(t.name())));
                if (heavy.getLast()) searchedBytes += n * rowBytes;
            }
        }
        int[] order = ChunkSchedule.interleave(heavy);
        List<ChunkReader.Range> orderedRanges = new ArrayList<>(order.length);
        List<int[]> orderedRows = new ArrayList<>(order.length);
        for (int k : order) {
            orderedRanges.add(ranges.get(k));
            orderedRows.add(rows.get(k));
        }
        return new Chunks(orderedRanges, orderedRows, buffer, searchedBytes);
    }

    /** Whether encoding {@code from} as {@code to} runs a K-quant scale search (256-value super-blocks): the chunks {@link ChunkSchedule} spreads out. */
    private static boolean searched(DType from, DType to) {
        return to != from && to.isQuantized() && to.blockSize() == 256;
    }

    private static final QuantTrace.Sum ENCODE = new QuantTrace.Sum();

    private static void streamFromDisk(Model m, TypePlanner.Plan plan, MatrixEncoder encoder, List<Tensor> work, Chunks chunks,
                                       ChunkReader reader, WriteBehind writes, Consumer<String> progress) {
        List<ChunkReader.Range> ranges = chunks.ranges();
        List<int[]> rows = chunks.rows();
        for (int k = 0; k < ranges.size(); k++) {
            int[] at = rows.get(k);
            Tensor t = work.get(at[0]);
            ChunkReader.Chunk c = reader.take();
            long t0 = ENCODE.start();
            try {
                encodeRows(m, t, at[1], at[2], c.data(), plan.types().get(t.name()), encoder, writes);
            } finally {
                ENCODE.stop(t0);
                reader.release(c);
            }
            if (at[1] + at[2] == t.rows()) progress.accept(t.name());
        }
    }

    /**
     * Rows [r, r+n) of t, whose input bytes are {@code input}, encoded (or copied, when the type
     * stays) into a write buffer and queued at their offset in the tensor's output.
     */
    private static void encodeRows(Model m, Tensor t, int r, int n, MemorySegment input, DType target, MatrixEncoder encoder, WriteBehind writes) {
        long outRow = target.bytesFor(t.cols());
        MemorySegment dst = writes.buffer(n * outRow);
        if (target == t.type()) MemorySegment.copy(input, 0, dst, 0, input.byteSize());
        else encode(m, new Tensor(t.name(), t.type(), new long[] {t.cols(), n}, input), target, encoder, dst);
        writes.write(t.name(), r * outRow, dst);
    }

    /** What {@link #write} wrote: the tensor data's bytes (padding excluded) and how many tensors of each type. */
    public record Written(long tensorBytes, Map<String, Integer> typeCounts) {}

    /** One tensor converted to {@code target} in memory from {@code arena}. */
    private static Tensor encode(Model m, Tensor t, DType target, MatrixEncoder encoder, Arena arena) {
        MemorySegment data = arena.allocate(target.bytesFor(t.cols()) * t.rows(), 64);
        encode(m, t, target, encoder, data);
        return new Tensor(t.name(), target, t.shape(), data);
    }

    /** One tensor converted to {@code target} into {@code dst}: a block quantizer through {@code encoder}, else a plain conversion. */
    private static void encode(Model m, Tensor t, DType target, MatrixEncoder encoder, MemorySegment dst) {
        if (!Dequantizer.supports(t.type()))
            throw new PithException(m.source() + ": tensor " + t.name() + " has type " + t.type() + ", which Pith cannot read.");
        if (!RowEncoder.supports(target))
            throw new PithException("Pith cannot write tensors of type " + target + " (tensor " + t.name() + ").");
        (target.isQuantized() ? encoder : PLAIN).encode(t, target, dst);
    }

    private static final RtnEncoder PLAIN = new RtnEncoder();

    /** The source's metadata with llama.cpp's file type and quantization version. */
    private static Map<String, GgufValue> metadata(Model m, FileType ftype) {
        Map<String, GgufValue> md = new LinkedHashMap<>(m.metadata());
        md.put("general.quantization_version", GgufValue.u32(QUANTIZATION_VERSION));
        md.put("general.file_type", GgufValue.u32(ftype.id()));
        return md;
    }
}
