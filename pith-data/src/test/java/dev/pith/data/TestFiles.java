package dev.pith.data;

import dev.pith.data.read.ReadOptions;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builders of small input files (zip, tar.gz, JSONL) and a quick way to run a curation in tests. */
final class TestFiles {
    private TestFiles() {}

    static Path shared() { return Path.of(System.getProperty("pith.shared")); }

    static void zip(Path p, Map<String, byte[]> entries) throws IOException {
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
            for (var e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
    }

    /** A ustar archive, gzip-compressed, written by hand (the JDK has no tar writer). */
    static void tarGz(Path p, Map<String, byte[]> entries) throws IOException {
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(p))) {
            for (var e : entries.entrySet()) {
                byte[] h = new byte[512];
                put(h, 0, e.getKey());
                put(h, 100, "0000644");
                put(h, 108, "0000000");
                put(h, 116, "0000000");
                put(h, 124, String.format("%011o", e.getValue().length));
                put(h, 136, "00000000000");
                h[156] = '0';
                put(h, 257, "ustar");
                put(h, 263, "00");
                for (int i = 148; i < 156; i++) h[i] = ' ';
                long sum = 0;
                for (byte b : h) sum += b & 0xFF;
                put(h, 148, String.format("%06o", sum));
                h[154] = 0;
                o.write(h);
                o.write(e.getValue());
                o.write(new byte[(512 - e.getValue().length % 512) % 512]);
            }
            o.write(new byte[1024]);
        }
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
    }

    static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    static String jsonl(List<String[]> idText) {
        StringBuilder sb = new StringBuilder();
        var m = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String[] d : idText) sb.append(m.createObjectNode().put("id", d[0]).put("text", d[1])).append('\n');
        return sb.toString();
    }

    static Curator.Options options(List<Path> in, Path out, CurateConfig cfg) {
        return new Curator.Options(in, out, new ReadOptions(false, "text", "id", cfg.read.maxDocBytes), cfg, null, null, false, 0.1, 2, null);
    }

    static CurateConfig noFilters() {
        CurateConfig c = CurateConfig.defaults();
        c.mode = "none";
        return c;
    }

    static List<Map<String, String>> readJsonl(Path p) throws IOException {
        var m = new com.fasterxml.jackson.databind.ObjectMapper();
        List<Map<String, String>> out = new ArrayList<>();
        for (String line : Files.readAllLines(p)) {
            var n = m.readTree(line);
            Map<String, String> r = new java.util.LinkedHashMap<>();
            n.fields().forEachRemaining(f -> r.put(f.getKey(), f.getValue().asText()));
            out.add(r);
        }
        return out;
    }

    static byte[] bytes(int... v) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int x : v) b.write(x);
        return b.toByteArray();
    }

    /** A TinyStories story from the shared sample (the n-th, 0-based). */
    static String story(int n) throws IOException {
        return stories().get(n);
    }

    static List<String> stories() throws IOException {
        String all = Files.readString(shared().resolve("data/text/tinystories-sample.txt"));
        List<String> out = new ArrayList<>();
        for (String s : all.split("<\\|endoftext\\|>")) if (!s.isBlank()) out.add(s.strip());
        return out;
    }
}
