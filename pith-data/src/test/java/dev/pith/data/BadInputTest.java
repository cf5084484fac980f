package dev.pith.data;

import dev.pith.data.read.BoundedLineReader;
import dev.pith.data.read.DocSink;
import dev.pith.data.read.ReadOptions;
import dev.pith.data.read.ShardReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad input is skipped and counted, never a crash, and never buffered whole. */
class BadInputTest {
    @TempDir Path dir;

    /** A stream of {@code size} bytes of 'a' (no newline) and then "\nshort line\n", generated, never stored. */
    static InputStream hugeLine(long size) {
        byte[] tail = "\nshort line\n".getBytes();
        return new InputStream() {
            long pos;

            @Override public int read() {
                byte[] b = new byte[1];
                return read(b, 0, 1) < 0 ? -1 : b[0];
            }

            @Override public int read(byte[] b, int off, int len) {
                if (pos >= size + tail.length) return -1;
                int n = 0;
                while (n < len && pos < size + tail.length) {
                    if (pos < size) {
                        int k = (int) Math.min(len - n, size - pos);
                        java.util.Arrays.fill(b, off + n, off + n + k, (byte) 'a');
                        n += k;
                        pos += k;
                    } else {
                        b[off + n++] = tail[(int) (pos++ - size)];
                    }
                }
                return n;
            }
        };
    }

    @Test
    void aOneGigabyteLineIsSkippedWithBoundedMemory() throws Exception {
        long size = 1L << 30;
        BoundedLineReader r = new BoundedLineReader(hugeLine(size), 1 << 20);
        BoundedLineReader.Line first = r.next();
        assertThat(first.tooLong()).isTrue();
        assertThat(first.seenBytes()).isEqualTo(size);
        BoundedLineReader.Line second = r.next();
        assertThat(new String(second.bytes(), 0, second.length())).isEqualTo("short line");
        assertThat(r.next()).isNull();
        assertThat(r.peakHeldBytes()).as("bytes of one line ever held").isLessThanOrEqualTo(1 << 20);

        List<Doc> docs = new ArrayList<>();
        List<Removal> skips = new ArrayList<>();
        new ShardReader(new ReadOptions(true, "text", "id", 1 << 20), new DocSink() {
            @Override public void doc(Doc d) { docs.add(d); }
            @Override public void skip(Removal s) { skips.add(s); }
        }).readLines(hugeLine(64L << 20), "gen", false);
        assertThat(skips).containsExactly(Removal.of("gen#1", "read", "too_large", 64L << 20));
        assertThat(docs).containsExactly(new Doc("gen#2", "short line"));
    }

    @Test
    void binaryInvalidUtf8EmptyOversizedAndCorruptArchivesAreCountedInTheReport() throws Exception {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        Files.write(in.resolve("a-binary.bin"), TestFiles.bytes(1, 2, 0, 4));
        Files.write(in.resolve("b-latin1.txt"), TestFiles.bytes('n', 'a', 0xEF, 'v', 'e'));
        Files.write(in.resolve("c-empty.txt"), new byte[0]);
        Files.writeString(in.resolve("d-big.txt"), "word ".repeat(1000));
        Files.write(in.resolve("e-corrupt.zip"), TestFiles.bytes('P', 'K', 3, 4, 9, 9, 9));
        byte[] tgz;
        Path good = dir.resolve("good.tar.gz");
        TestFiles.tarGz(good, java.util.Map.of("x.txt", TestFiles.utf8("some text ".repeat(200))));
        tgz = Files.readAllBytes(good);
        Files.write(in.resolve("f-truncated.tar.gz"), java.util.Arrays.copyOf(tgz, tgz.length / 2));
        Files.write(in.resolve("g-notgzip.tgz"), TestFiles.utf8("plain text, not gzip"));
        Files.writeString(in.resolve("h-ok.txt"), "A fine document.");
        CurateConfig cfg = TestFiles.noFilters();
        cfg.read.maxDocBytes = 1000;
        Curator.Summary s = Curator.run(TestFiles.options(List.of(in), dir.resolve("out"), cfg));
        assertThat(s.docsKept()).isEqualTo(1);
        var report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("out/report.json").toFile());
        var read = report.get("stages").get(0);
        assertThat(read.get("stage").asText()).isEqualTo("read");
        assertThat(read.get("reasons").get("binary").asInt()).isEqualTo(1);
        assertThat(read.get("reasons").get("invalid_utf8").asInt()).isEqualTo(1);
        assertThat(read.get("reasons").get("empty").asInt()).isEqualTo(1);
        assertThat(read.get("reasons").get("too_large").asInt()).isEqualTo(1);
        assertThat(read.get("reasons").get("unreadable_archive").asInt()).isEqualTo(3);
        assertThat(TestFiles.readJsonl(dir.resolve("out/removed.jsonl"))).hasSize(7);
    }
}
