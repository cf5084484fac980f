package dev.pith.data.read;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.data.Doc;
import dev.pith.data.Removal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads one shard into documents. Nothing a file holds can stop the run: binary, invalid UTF-8,
 * empty, oversized and unparsable inputs, and archives that cannot be opened or end early, are
 * reported to the sink as skips (stage "read") and reading goes on with the next input.
 */
public final class ShardReader {
    public static final String STAGE = "read";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ReadOptions opt;
    private final DocSink sink;

    public ShardReader(ReadOptions opt, DocSink sink) {
        this.opt = opt;
        this.sink = sink;
    }

    public void read(Shard shard) {
        for (Path f : shard.files()) {
            String id = f.toString();
            try {
                switch (shard.kind()) {
                    case TEXT -> {
                        try (InputStream in = Files.newInputStream(f)) {
                            if (opt.lines()) readLines(in, id, false);
                            else readWhole(in, id);
                        }
                    }
                    case JSONL -> {
                        try (InputStream in = Files.newInputStream(f)) {
                            readLines(in, id, true);
                        }
                    }
                    case ZIP -> readZip(f, shard.from(), shard.to());
                    case TAR_GZ -> readTarGz(f);
                }
            } catch (IOException | RuntimeException e) {
                String reason = shard.kind() == Shard.Kind.ZIP || shard.kind() == Shard.Kind.TAR_GZ ? "unreadable_archive" : "unreadable";
                sink.skip(Removal.of(id, STAGE, reason, 0));
            }
        }
    }

    /** The whole stream is one document (tests feed streams directly). */
    public void readWhole(InputStream in, String id) throws IOException {
        byte[] b = BoundedLineReader.readUpTo(in, opt.maxDocBytes());
        if (b == null) {
            sink.skip(Removal.of(id, STAGE, "too_large", opt.maxDocBytes() + 1L));
            return;
        }
        accept(id, b, b.length);
    }

    /** Every line is a document: plain text ({@code path#line}) or JSON objects. */
    public void readLines(InputStream in, String source, boolean json) throws IOException {
        BoundedLineReader r = new BoundedLineReader(in, opt.maxDocBytes());
        int lineNo = 0;
        for (BoundedLineReader.Line l; (l = r.next()) != null; ) {
            lineNo++;
            String id = source + "#" + lineNo;
            if (l.tooLong()) {
                sink.skip(Removal.of(id, STAGE, "too_large", l.seenBytes()));
                continue;
            }
            String[] why = new String[1];
            String s = TextBytes.decode(l.bytes(), l.length(), why);
            if (s == null) {
                if (!"empty".equals(why[0])) sink.skip(Removal.of(id, STAGE, why[0], l.length()));
                continue; // blank lines between records are layout, not documents
            }
            if (!json) {
                sink.doc(new Doc(id, s));
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(s);
            } catch (IOException e) {
                sink.skip(Removal.of(id, STAGE, "bad_json", l.length()));
                continue;
            }
            JsonNode idNode = node == null ? null : node.get(opt.idField());
            if (idNode != null && (idNode.isTextual() || idNode.isNumber())) id = idNode.asText();
            JsonNode text = node == null ? null : node.get(opt.textField());
            if (text == null || !text.isTextual()) {
                sink.skip(Removal.of(id, STAGE, "no_text_field", l.length()));
            } else if (text.asText().isBlank()) {
                sink.skip(Removal.of(id, STAGE, "empty", 0));
            } else {
                sink.doc(new Doc(id, text.asText()));
            }
        }
    }

    /** The zip's files number {@code from} (inclusive) to {@code to} (exclusive), counted in central-directory order. */
    private void readZip(Path f, int from, int to) throws IOException {
        try (ZipFile z = new ZipFile(f.toFile(), StandardCharsets.UTF_8)) {
            Enumeration<? extends ZipEntry> es = z.entries();
            int n = -1;
            while (es.hasMoreElements()) {
                ZipEntry e = es.nextElement();
                if (e.isDirectory()) continue;
                n++;
                if (n < from) continue;
                if (n >= to) break;
                String id = f + "!/" + e.getName();
                try (InputStream in = z.getInputStream(e)) {
                    readEntry(in, id);
                } catch (IOException ex) {
                    sink.skip(Removal.of(id, STAGE, "unreadable", 0));
                }
            }
        }
    }

    private void readTarGz(Path f) throws IOException {
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(f), 1 << 16), 1 << 16)) {
            TarReader t = new TarReader(in);
            for (TarReader.Entry e; (e = t.next()) != null; ) {
                String id = f + "!/" + e.name();
                if (e.size() > opt.maxDocBytes()) sink.skip(Removal.of(id, STAGE, "too_large", e.size()));
                else readEntry(t.data(), id);
            }
        }
    }

    private void readEntry(InputStream in, String id) throws IOException {
        if (opt.lines()) readLines(in, id, false);
        else readWhole(in, id);
    }

    private void accept(String id, byte[] b, int len) {
        String[] why = new String[1];
        String s = TextBytes.decode(b, len, why);
        if (s == null) sink.skip(Removal.of(id, STAGE, why[0], len));
        else sink.doc(new Doc(id, s));
    }
}
