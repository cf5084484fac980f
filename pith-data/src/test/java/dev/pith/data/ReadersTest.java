package dev.pith.data;

import dev.pith.data.read.DocSink;
import dev.pith.data.read.Inputs;
import dev.pith.data.read.ReadOptions;
import dev.pith.data.read.Shard;
import dev.pith.data.read.ShardReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReadersTest {
    @TempDir Path dir;

    final List<Doc> docs = new ArrayList<>();
    final List<Removal> skips = new ArrayList<>();

    void read(List<Path> paths, ReadOptions opt) {
        ShardReader r = new ShardReader(opt, new DocSink() {
            @Override public void doc(Doc d) { docs.add(d); }
            @Override public void skip(Removal s) { skips.add(s); }
        });
        for (Shard s : Inputs.shards(paths)) r.read(s);
    }

    @Test
    void textFileIsOneDocumentOrOneDocumentPerLine() throws Exception {
        Path f = dir.resolve("a.txt");
        Files.writeString(f, "first line\n\nthird line\n");
        read(List.of(f), ReadOptions.defaults());
        assertThat(docs).containsExactly(new Doc(f.toString(), "first line\n\nthird line\n"));
        docs.clear();
        read(List.of(f), new ReadOptions(true, "text", "id", 1000));
        assertThat(docs).containsExactly(new Doc(f + "#1", "first line"), new Doc(f + "#3", "third line"));
        assertThat(skips).isEmpty();
    }

    @Test
    void jsonlTakesTextAndIdFieldsAndCountsBadLines() throws Exception {
        Path f = dir.resolve("d.jsonl");
        Files.writeString(f, """
                {"id": "x1", "text": "hello world", "body": "other"}
                {"text": "no id here"}
                not json at all
                {"id": 7, "title": "no text"}

                {"id": "x5", "text": "   "}
                """);
        read(List.of(f), ReadOptions.defaults());
        assertThat(docs).containsExactly(new Doc("x1", "hello world"), new Doc(f + "#2", "no id here"));
        assertThat(skips).extracting(Removal::id, Removal::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(f + "#3", "bad_json"), org.assertj.core.groups.Tuple.tuple("7", "no_text_field"),
                        org.assertj.core.groups.Tuple.tuple("x5", "empty"));
        docs.clear();
        read(List.of(f), new ReadOptions(false, "body", "id", 1000));
        assertThat(docs).containsExactly(new Doc("x1", "other"));
    }

    @Test
    void zipAndTarGzEntriesAreDocumentsAndBadEntriesAreSkipped() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("src/A.java", TestFiles.utf8("class A {}\n"));
        entries.put("src/img.png", TestFiles.bytes(0x89, 'P', 'N', 'G', 0, 0, 0, 13));
        entries.put("src/latin1.txt", TestFiles.bytes('c', 'a', 'f', 0xE9));
        entries.put("src/empty.txt", new byte[0]);
        entries.put("src/B.java", TestFiles.utf8("x".repeat(3000)));
        Path zip = dir.resolve("s.zip"), tgz = dir.resolve("s.tar.gz");
        TestFiles.zip(zip, entries);
        TestFiles.tarGz(tgz, entries);
        read(List.of(zip, tgz), new ReadOptions(false, "text", "id", 2048));
        assertThat(docs).containsExactly(new Doc(zip + "!/src/A.java", "class A {}\n"), new Doc(tgz + "!/src/A.java", "class A {}\n"));
        for (Path a : List.of(zip, tgz)) {
            assertThat(skips).extracting(Removal::id, Removal::reason).contains(
                    org.assertj.core.groups.Tuple.tuple(a + "!/src/img.png", "binary"),
                    org.assertj.core.groups.Tuple.tuple(a + "!/src/latin1.txt", "invalid_utf8"),
                    org.assertj.core.groups.Tuple.tuple(a + "!/src/empty.txt", "empty"),
                    org.assertj.core.groups.Tuple.tuple(a + "!/src/B.java", "too_large"));
        }
    }

    @Test
    void aLargeZipIsSplitIntoEntryRangeShardsThatTogetherReadEveryEntryOnce() throws Exception {
        int n = Inputs.ZIP_ENTRIES_PER_SHARD * 2 + 17;
        Map<String, byte[]> entries = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) entries.put(String.format("f%05d.txt", i), TestFiles.utf8("document " + i));
        Path zip = dir.resolve("big.zip");
        TestFiles.zip(zip, entries);
        List<Shard> shards = Inputs.shards(List.of(zip));
        assertThat(shards).hasSize(3);
        read(List.of(zip), ReadOptions.defaults());
        assertThat(docs).hasSize(n);
        for (int i = 0; i < n; i++) assertThat(docs.get(i).text()).isEqualTo("document " + i);
    }

    @Test
    void theJdkSourceZipIsReadable() throws Exception {
        Path srcZip = Path.of(System.getProperty("java.home"), "lib", "src.zip");
        assertThat(srcZip).isRegularFile();
        // read only the first entries: the whole archive is the demo's and the benchmark's job
        try (var z = new java.util.zip.ZipFile(srcZip.toFile())) {
            Map<String, byte[]> few = new LinkedHashMap<>();
            z.stream().filter(e -> e.getName().endsWith(".java")).limit(20).forEach(e -> {
                try {
                    few.put(e.getName(), z.getInputStream(e).readAllBytes());
                } catch (java.io.IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            });
            Path slice = dir.resolve("slice.zip");
            TestFiles.zip(slice, few);
            read(List.of(slice), ReadOptions.defaults());
        }
        assertThat(docs).hasSize(20);
        assertThat(docs).allSatisfy(d -> assertThat(d.looksLikeCode()).isTrue());
    }

    @Test
    void normaliserCanonicalisesWhitespaceAndUnicode() {
        assertThat(Normalizer.normalize("\n\n  a  \r\nb\t\r\n\r\n\r\n\r\nc\rd\n\n")).isEqualTo("  a\nb\n\nc\nd");
        assertThat(Normalizer.normalize("cafe\u0301")).isEqualTo("caf\u00e9");
        assertThat(Normalizer.normalize(" \n\t\n")).isEmpty();
    }
}
