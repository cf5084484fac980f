package dev.pith.model.gguf;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tensors written in parts, out of order, give the bytes {@link GgufWriter} writes for the whole
 * tensors; a tensor left incomplete or written over fails, and no file appears.
 */
class GgufStreamWriterTest {
    @TempDir Path dir;

    private static final Map<String, GgufValue> META = Map.of("general.architecture", GgufValue.string("llama"));

    @Test
    void partsInAnyOrderGiveTheWholeTensorsBytes() throws Exception {
        Tensor a = tensor("a", 7, 5, 1), b = tensor("b", 32, 3, 2);
        Path whole = dir.resolve("whole.gguf");
        new GgufWriter().putAll(META).add(a).add(b).write(whole);

        Path parts = dir.resolve("parts.gguf");
        try (GgufStreamWriter w = GgufStreamWriter.open(parts, META, slots(a, b))) {
            long row = 4L * 32;
            w.writePart("b", 2 * row, b.data().asSlice(2 * row, row));
            w.write("a", a.data());
            w.writePart("b", 0, b.data().asSlice(0, 2 * row));
            w.commit();
        }
        assertThat(Files.readAllBytes(parts)).isEqualTo(Files.readAllBytes(whole));
    }

    @Test
    void aTensorWrittenInPartOnlyFailsTheCommitAndLeavesNoFile() {
        Tensor a = tensor("a", 16, 4, 3);
        Path out = dir.resolve("partial.gguf");
        try (GgufStreamWriter w = GgufStreamWriter.open(out, META, slots(a))) {
            w.writePart("a", 0, a.data().asSlice(0, 64));
            assertThatThrownBy(w::commit).hasMessageContaining("tensor a was written in part only");
        }
        assertThat(out).doesNotExist();
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void bytesBeyondATensorOrWrittenTwiceAreRefused() {
        Tensor a = tensor("a", 16, 4, 4);
        try (GgufStreamWriter w = GgufStreamWriter.open(dir.resolve("x.gguf"), META, slots(a))) {
            assertThatThrownBy(() -> w.writePart("a", 200, a.data().asSlice(0, 64))).hasMessageContaining("does not fit");
            w.write("a", a.data());
            assertThatThrownBy(() -> w.writePart("a", 0, a.data().asSlice(0, 4))).hasMessageContaining("written twice");
        }
    }

    private static List<GgufWriter.Slot> slots(Tensor... ts) {
        return java.util.Arrays.stream(ts).map(t -> new GgufWriter.Slot(t.name(), t.type(), t.shape())).toList();
    }

    private static Tensor tensor(String name, int cols, int rows, int seed) {
        float[] v = new float[cols * rows];
        for (int i = 0; i < v.length; i++) v[i] = seed * 1000 + i;
        return new Tensor(name, DType.F32, new long[] {cols, rows}, MemorySegment.ofArray(v).asReadOnly());
    }
}
