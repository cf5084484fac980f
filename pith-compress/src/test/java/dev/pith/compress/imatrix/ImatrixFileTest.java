package dev.pith.compress.imatrix;

import dev.pith.core.PithException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The GGUF imatrix format round-trips; the legacy .dat format reads as llama-quantize reads it; the collector sums squares. */
class ImatrixFileTest {
    @TempDir Path dir;

    @Test
    void ggufRoundTripAndMeans() {
        Map<String, Imatrix.Entry> e = new LinkedHashMap<>();
        e.put("blk.0.attn_q.weight", new Imatrix.Entry(new float[]{4, 8, 12}, 4));
        e.put("blk.0.ffn_down.weight", new Imatrix.Entry(new float[]{1, 2}, 0));
        Path p = dir.resolve("i.gguf");
        ImatrixFile.write(new Imatrix(e, "calib.txt", 3, 128), p);
        Imatrix r = ImatrixFile.read(p);
        assertThat(r.dataset()).isEqualTo("calib.txt");
        assertThat(r.chunks()).isEqualTo(3);
        assertThat(r.chunkSize()).isEqualTo(128);
        assertThat(r.entries().get("blk.0.attn_q.weight").sums()).containsExactly(4, 8, 12);
        assertThat(r.means().get("blk.0.attn_q.weight")).containsExactly(1, 2, 3);
        // llama-quantize gives a matrix that saw no rows an importance of 1
        assertThat(r.means().get("blk.0.ffn_down.weight")).containsExactly(1, 1);
    }

    @Test
    void legacyDatStoresMeanTimesCalls() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(le(1));
        byte[] name = "blk.1.ffn_up.weight".getBytes(StandardCharsets.UTF_8);
        b.write(le(name.length));
        b.write(name);
        b.write(le(10)); // ncall
        b.write(le(2));  // values
        b.write(lef(30f));
        b.write(lef(50f));
        b.write(le(10)); // last call
        byte[] ds = "wiki.txt".getBytes(StandardCharsets.UTF_8);
        b.write(le(ds.length));
        b.write(ds);
        Path p = dir.resolve("i.dat");
        Files.write(p, b.toByteArray());
        Imatrix r = ImatrixFile.read(p);
        assertThat(r.means().get("blk.1.ffn_up.weight")).containsExactly(3, 5);
        assertThat(r.dataset()).isEqualTo("wiki.txt");
        Path cut = dir.resolve("cut.dat");
        Files.write(cut, java.util.Arrays.copyOf(b.toByteArray(), 20));
        assertThatThrownBy(() -> ImatrixFile.read(cut)).isInstanceOf(PithException.class).hasMessageContaining(cut.toString());
    }

    @Test
    void collectorSumsSquaresOfBlockMatricesOnly() {
        ImatrixCollector c = new ImatrixCollector();
        c.linearInput("blk.0.attn_q.weight", new float[]{1, 2, 3, -1, 0, 2, 99}, 2, 3);
        c.linearInput("output.weight", new float[]{5, 5, 5}, 1, 3);
        Imatrix im = c.result("t", 1, 2);
        assertThat(im.entries()).containsOnlyKeys("blk.0.attn_q.weight");
        assertThat(im.entries().get("blk.0.attn_q.weight").sums()).containsExactly(2, 4, 13);
        assertThat(im.entries().get("blk.0.attn_q.weight").count()).isEqualTo(2);
    }

    private static byte[] le(int v) { return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array(); }

    private static byte[] lef(float v) { return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array(); }
}
