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

/** Every range the reader hands out holds the file's bytes, in order, however far the readers run ahead. */
class ChunkReaderTest {
    @TempDir
    Path dir;

    @Test
    void rangesHoldTheFilesBytesInOrderWithFewerBuffersThanRanges() throws Exception {
        byte[] file = new byte[300_000];
        new SplittableRandom(5).nextBytes(file);
        Path path = dir.resolve("input.bin");
        Files.write(path, file);
        // unaligned ranges of odd sizes, as tensors' rows give them
        List<ChunkReader.Range> ranges = new ArrayList<>();
        for (long at = 37; at + 9_001 <= file.length; at += 9_001) ranges.add(new ChunkReader.Range(at, 9_001));
        // two buffers and a slow consumer: the readers wait for buffers, and each range still lands in order
        try (ChunkReader reader = new ChunkReader(path, ranges, 9_001, 2)) {
            for (int i = 0; i < ranges.size(); i++) {
                ChunkReader.Chunk c = reader.take();
                assertThat(c.index()).isEqualTo(i);
                ChunkReader.Range r = ranges.get(i);
                byte[] got = c.data().toArray(ValueLayout.JAVA_BYTE);
                byte[] want = java.util.Arrays.copyOfRange(file, (int) r.offset(), (int) (r.offset() + r.bytes()));
                assertThat(got).as("range %d", i).isEqualTo(want);
                assertThat(c.buffer()).isBetween(0, 1);
                if (i % 8 == 0) Thread.sleep(20); // the readers run out of buffers meanwhile
                reader.release(c);
            }
        }
    }

    @Test
    void readAheadGrowsWithTheMachinesMemoryBetweenSixteenAndFortyEightBuffers() {
        long gib = 1L << 30;
        assertThat(ModelQuantizer.readAheadFor(0)).isEqualTo(16); // memory unknown
        assertThat(ModelQuantizer.readAheadFor(8 * gib)).isEqualTo(16);
        assertThat(ModelQuantizer.readAheadFor(23 * gib)).isEqualTo(46); // 1/32 of it in 16 MiB buffers
        assertThat(ModelQuantizer.readAheadFor(256 * gib)).isEqualTo(48);
        assertThat(ModelQuantizer.READ_AHEAD).isBetween(16, 48);
    }

    @Test
    void plansMostlyThroughAScaleSearchReadWithFewerBuffers() {
        var range = new ChunkReader.Range(0, 100);
        var searched = new ModelQuantizer.Chunks(List.of(range, range, range), List.of(), 100, 200);
        var quick = new ModelQuantizer.Chunks(List.of(range, range, range), List.of(), 100, 100);
        assertThat(searched.totalBytes()).isEqualTo(300);
        assertThat(ModelQuantizer.readAhead(searched)).isEqualTo(ModelQuantizer.SEARCH_READ_AHEAD).isLessThan(ModelQuantizer.READ_AHEAD);
        assertThat(ModelQuantizer.readAhead(quick)).isEqualTo(ModelQuantizer.READ_AHEAD);
    }

    @Test
    void chunksCountTheBytesOfTensorsThatGoThroughAScaleSearch() {
        var seg = java.lang.foreign.MemorySegment.ofArray(new float[512 * 4]);
        var toK = new dev.pith.core.Tensor("a", dev.pith.core.DType.F32, new long[] {512, 4}, seg);
        var toQ8 = new dev.pith.core.Tensor("b", dev.pith.core.DType.F32, new long[] {512, 4}, seg);
        var kept = new dev.pith.core.Tensor("c", dev.pith.core.DType.F32, new long[] {512}, seg.asSlice(0, 2048));
        var plan = new TypePlanner.Plan(java.util.Map.of("a", dev.pith.core.DType.Q4_K, "b", dev.pith.core.DType.Q8_0, "c", dev.pith.core.DType.F32), List.of());
        var chunks = ModelQuantizer.chunks(List.of(toK, toQ8, kept), plan, java.util.Map.of("a", 0L, "b", 8192L, "c", 16384L), 4096);
        assertThat(chunks.searchedBytes()).isEqualTo(8192); // the Q4_K tensor's four 2 KiB rows, in two chunks
        assertThat(chunks.totalBytes()).isEqualTo(8192 + 8192 + 2048);
    }
}
