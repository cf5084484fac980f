package dev.pith.compress.quant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Every range the reader hands out holds the file's bytes, whether it came in a buffer or through the page cache. */
class ChunkReaderTest {
    @TempDir
    Path dir;

    @Test
    void rangesReadInBuffersAndThroughThePageCacheHoldTheFilesBytes() throws Exception {
        byte[] file = new byte[300_000];
        new SplittableRandom(5).nextBytes(file);
        Path path = dir.resolve("input.bin");
        Files.write(path, file);
        // unaligned ranges of odd sizes, as tensors' rows give them
        List<ChunkReader.Range> ranges = new ArrayList<>();
        for (long at = 37; at + 9_001 <= file.length; at += 9_001) ranges.add(new ChunkReader.Range(at, 9_001));
        int viaCache = 0, viaBuffer = 0;
        // one buffer and a slow consumer: the readers run out of buffers at once, and the first 20
        // ranges may then go through the page cache; the rest wait for the buffer
        try (ChunkReader reader = new ChunkReader(path, ranges, 9_001, 1, 20)) {
            for (int i = 0; i < ranges.size(); i++) {
                ChunkReader.Chunk c = reader.take();
                assertThat(c.index()).isEqualTo(i);
                ChunkReader.Range r = ranges.get(i);
                byte[] got = c.data().toArray(ValueLayout.JAVA_BYTE);
                byte[] want = java.util.Arrays.copyOfRange(file, (int) r.offset(), (int) (r.offset() + r.bytes()));
                assertThat(got).as("range %d", i).isEqualTo(want);
                if (c.buffer() < 0) viaCache++;
                else viaBuffer++;
                if (i == 0) Thread.sleep(200); // the readers reach the end of the warm-up ranges meanwhile
                reader.release(c);
            }
        }
        if (PageCache.AVAILABLE) {
            assertThat(viaCache).as("ranges through the page cache").isGreaterThan(0).isLessThanOrEqualTo(20);
            assertThat(viaBuffer).as("ranges in the buffer (all after the warm-up ones)").isGreaterThanOrEqualTo(ranges.size() - 20);
        } else {
            assertThat(viaCache).isZero();
        }
    }
}
