package dev.pith.model.gguf;

import dev.pith.core.Tensor;
import dev.pith.model.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading a GGUF written by llama.cpp and writing it back with {@link GgufWriter} gives the same bytes. */
class GgufRoundTripTest {

    @Test
    void f32ModelRoundTripsByteForByte(@TempDir Path tmp) throws IOException {
        roundTrip(TestData.model("stories260K-f32.gguf"), tmp.resolve("f32.gguf"));
    }

    @Test
    void quantizedModelsRoundTripByteForByte(@TempDir Path tmp) throws IOException {
        roundTrip(TestData.model("stories260K-q8_0.gguf"), tmp.resolve("q8_0.gguf"));
        roundTrip(TestData.model("stories260K-q4_0.gguf"), tmp.resolve("q4_0.gguf"));
    }

    private static void roundTrip(Path original, Path copy) throws IOException {
        try (GgufFile f = GgufFile.open(original)) {
            GgufWriter w = new GgufWriter().putAll(f.metadata());
            for (GgufTensorInfo info : f.tensorInfos()) {
                Tensor t = f.tensor(info.name());
                w.add(t);
            }
            w.write(copy);
            assertThat(f.tensorInfos()).isNotEmpty();
        }
        byte[] want = Files.readAllBytes(original);
        byte[] got = Files.readAllBytes(copy);
        assertThat(got.length).as("size of %s written back", original.getFileName()).isEqualTo(want.length);
        assertThat(firstDifference(want, got)).as("first differing byte of %s written back", original.getFileName()).isEqualTo(-1);
    }

    private static int firstDifference(byte[] a, byte[] b) {
        for (int i = 0; i < Math.min(a.length, b.length); i++) if (a[i] != b[i]) return i;
        return a.length == b.length ? -1 : Math.min(a.length, b.length);
    }
}
