package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.ModelWriters;
import dev.pith.model.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link ModelQuantizer#write} (tensor by tensor to their offsets in the file) gives the same bytes
 * as quantizing the whole model in memory and writing it ({@link ModelQuantizer#apply} +
 * {@link ModelWriters#writeGguf}), and leaves no file when an encoder fails half way.
 */
class StreamingQuantizeTest {
    @TempDir Path dir;

    /** A small synthetic llama GGUF made from {@code seed}. */
    private Path synthetic(long seed) {
        Path src = dir.resolve("synthetic.gguf");
        SyntheticLlama.write(src, seed);
        return src;
    }

    @Test
    void streamedFileEqualsTheInMemoryOne() throws Exception {
        Path src = synthetic(5);
        for (FileType ft : List.of(FileType.Q4_0, FileType.Q8_0, FileType.Q4_K_M)) {
            Path streamed = dir.resolve("streamed-" + ft + ".gguf"), inMemory = dir.resolve("memory-" + ft + ".gguf");
            try (Model m = Models.load(src)) {
                TypePlanner.Plan plan = ModelQuantizer.plan(m, ft, List.of(), false);
                ModelQuantizer.Written w = ModelQuantizer.write(m, ft, plan, new RtnEncoder(), streamed, n -> { });
                try (Model q = ModelQuantizer.apply(m, ft, plan, new RtnEncoder(), n -> { })) {
                    ModelWriters.writeGguf(q, inMemory);
                    assertThat(w.tensorBytes()).isEqualTo(q.byteSize());
                }
            }
            assertThat(Files.readAllBytes(streamed)).as(ft.name()).isEqualTo(Files.readAllBytes(inMemory));
        }
    }

    @Test
    void readingTheInputFromDiskInChunksGivesTheSameBytes() throws Exception {
        Path src = synthetic(7);
        for (FileType ft : List.of(FileType.Q4_0, FileType.Q8_0, FileType.Q4_K_M, FileType.F16)) {
            Path fromDisk = dir.resolve("disk-" + ft + ".gguf"), mapped = dir.resolve("mapped-" + ft + ".gguf");
            try (Model m = Models.load(src)) {
                // the disk path is taken only where the header walk finds every tensor: it must here
                assertThat(SourceLayout.offsets(m)).isEqualTo(readerOffsets(src));
                TypePlanner.Plan plan = ModelQuantizer.plan(m, ft, List.of(), false);
                // 5000 bytes: every matrix arrives in many chunks of a few rows, at offsets the disk block does not divide
                ModelQuantizer.write(m, ft, plan, new RtnEncoder(), fromDisk, n -> { }, 5000);
                ModelQuantizer.write(m, ft, plan, new RtnEncoder(), mapped, n -> { });
            }
            assertThat(Files.readAllBytes(fromDisk)).as(ft.name()).isEqualTo(Files.readAllBytes(mapped));
            assertThat(Files.size(fromDisk)).isGreaterThan(0);
        }
    }

    @Test
    void aReadStartedBeforeTheModelLoadedIsTakenOverAndGivesTheSameBytes() throws Exception {
        Path src = synthetic(9);
        for (FileType ft : List.of(FileType.Q4_0, FileType.Q8_0, FileType.Q4_K_M)) {
            Path early = dir.resolve("early-" + ft + ".gguf"), mapped = dir.resolve("mapped-" + ft + ".gguf");
            try (EarlyRead read = EarlyRead.start(src, ft, List.of(), true); Model m = Models.loadWeights(src, null)) {
                assertThat(read).as("a GGUF input with a block and head count is planned from its header").isNotNull();
                TypePlanner.Plan plan = ModelQuantizer.plan(m, ft, List.of(), false);
                ModelQuantizer.write(m, ft, plan, new RtnEncoder(), early, n -> { }, read);
                assertThat(read.adopted()).as(ft.name()).isTrue();
                ModelQuantizer.write(m, ft, plan, new RtnEncoder(), mapped, n -> { });
            }
            assertThat(Files.readAllBytes(early)).as(ft.name()).isEqualTo(Files.readAllBytes(mapped));
        }
    }

    @Test
    void aReadStartedForAnotherPlanIsLeftUnused() throws Exception {
        Path src = synthetic(9);
        Path early = dir.resolve("early.gguf"), mapped = dir.resolve("mapped.gguf");
        // read for Q4_K_M (every matrix a K-quant, another chunk order), written as Q8_0
        try (EarlyRead read = EarlyRead.start(src, FileType.Q4_K_M, List.of(), true); Model m = Models.loadWeights(src, null)) {
            TypePlanner.Plan plan = ModelQuantizer.plan(m, FileType.Q8_0, List.of(), false);
            ModelQuantizer.write(m, FileType.Q8_0, plan, new RtnEncoder(), early, n -> { }, read);
            assertThat(read.adopted()).isFalse();
            ModelQuantizer.write(m, FileType.Q8_0, plan, new RtnEncoder(), mapped, n -> { });
        }
        assertThat(Files.readAllBytes(early)).isEqualTo(Files.readAllBytes(mapped));
    }

    @Test
    void noReadStartsOnAFileTheHeaderWalkDoesNotUnderstand() throws Exception {
        // runs before the model loader has checked the file: a corrupt header is left to the loader's error, no huge allocation
        Path bad = dir.resolve("bad.gguf");
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(3).putLong(1L << 40).putLong(1L << 40);
        Files.write(bad, b.array());
        Path text = dir.resolve("text.gguf");
        Files.writeString(text, "not a model");
        for (Path p : List.of(bad, text, dir, dir.resolve("missing.gguf")))
            assertThat(EarlyRead.start(p, FileType.Q8_0, List.of(), true)).as(p.toString()).isNull();
    }

    @Test
    void importanceWeightedRowsFromDiskGiveTheSameBytes() throws Exception {
        Path src = synthetic(8);
        Path fromDisk = dir.resolve("disk.gguf"), mapped = dir.resolve("mapped.gguf");
        try (Model m = Models.load(src)) {
            // an importance vector for every matrix (token_embd included), so every row goes through the weighted search
            java.util.Map<String, float[]> importance = new java.util.HashMap<>();
            java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
            for (Tensor t : m.tensors().values()) {
                if (t.rank() < 2) continue;
                float[] w = new float[t.cols()];
                for (int i = 0; i < w.length; i++) w[i] = (float) (0.1 + rng.nextDouble());
                importance.put(t.name(), w);
            }
            ImatrixEncoder enc = new ImatrixEncoder(importance, dir.resolve("imatrix.dat"));
            TypePlanner.Plan plan = ModelQuantizer.plan(m, FileType.Q4_K_M, List.of(), true);
            ModelQuantizer.write(m, FileType.Q4_K_M, plan, enc, fromDisk, n -> { }, 5000);
            ModelQuantizer.write(m, FileType.Q4_K_M, plan, enc, mapped, n -> { });
        }
        assertThat(Files.readAllBytes(fromDisk)).isEqualTo(Files.readAllBytes(mapped));
    }

    /** Every tensor's file offset as the full GGUF reader has it. */
    private static java.util.Map<String, Long> readerOffsets(Path src) {
        try (dev.pith.model.gguf.GgufFile f = dev.pith.model.gguf.GgufFile.open(src)) {
            java.util.Map<String, Long> out = new java.util.HashMap<>();
            for (var info : f.tensorInfos()) out.put(info.name(), f.dataOffset() + info.offset());
            return out;
        }
    }

    @Test
    void aFailingEncoderLeavesNoFile() throws Exception {
        Path src = synthetic(6);
        Path out = dir.resolve("out.gguf");
        MatrixEncoder failing = new MatrixEncoder() {
            int calls;

            @Override
            public void encode(Tensor t, DType target, MemorySegment dst) {
                if (++calls == 5) throw new IllegalStateException("encoder failed on " + t.name());
                new RtnEncoder().encode(t, target, dst);
            }
        };
        try (Model m = Models.load(src)) {
            TypePlanner.Plan plan = ModelQuantizer.plan(m, FileType.Q4_0, List.of(), false);
            assertThatThrownBy(() -> ModelQuantizer.write(m, FileType.Q4_0, plan, failing, out, n -> { }))
                    .hasMessageContaining("encoder failed");
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("synthetic.gguf");
        }
    }
}
