package dev.pith.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.PithException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.function.Consumer;

/**
 * The checkpoint of one finished shard: one JSON line per input document in input order, either
 * a survivor of the per-document stages (id, text, tokens, hash, MinHash signature) or a removal
 * (id, stage, reason, bytes). The global dedup pass and the final output read only these files.
 */
final class ShardFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ShardFile() {}

    /** One line read back: kept == true → text/tokens/hash/signature; else stage/reason/bytes. */
    record Entry(boolean kept, String id, String text, long tokens, String hash, int[] signature, String stage, String reason, long bytes) {}

    static void writeKept(Writer w, Processed p) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", p.id());
        o.put("text", p.text());
        o.put("tok", p.tokens());
        if (p.hash() != null) o.put("h", p.hash());
        if (p.signature() != null) o.put("sig", encode(p.signature()));
        w.write(JSON.writeValueAsString(o));
        w.write('\n');
    }

    static void writeRemoved(Writer w, Removal r) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", r.id());
        o.put("stage", r.stage());
        o.put("reason", r.reason());
        o.put("bytes", r.bytes());
        w.write(JSON.writeValueAsString(o));
        w.write('\n');
    }

    static void read(Path file, Consumer<Entry> each) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; ) {
                JsonNode o = JSON.readTree(line);
                if (o.has("stage")) {
                    each.accept(new Entry(false, o.get("id").asText(), null, 0, null, null, o.get("stage").asText(), o.get("reason").asText(), o.get("bytes").asLong()));
                } else {
                    each.accept(new Entry(true, o.get("id").asText(), o.get("text").asText(), o.get("tok").asLong(),
                            o.has("h") ? o.get("h").asText() : null, o.has("sig") ? decode(o.get("sig").asText()) : null, null, null, 0));
                }
            }
        } catch (IOException e) {
            throw new PithException(file + ": a curate checkpoint cannot be read (" + e.getMessage() + "); delete the output folder's .curate-work to start over.", e);
        }
    }

    static String encode(int[] sig) {
        ByteBuffer b = ByteBuffer.allocate(sig.length * 4);
        for (int v : sig) b.putInt(v);
        return Base64.getEncoder().encodeToString(b.array());
    }

    static int[] decode(String s) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(s));
        int[] sig = new int[b.remaining() / 4];
        for (int i = 0; i < sig.length; i++) sig[i] = b.getInt();
        return sig;
    }
}
