package dev.pith.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.PithException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiConsumer;

/** The lines of kept.jsonl ({@code id}, {@code text}) and removed.jsonl ({@code id}, {@code stage}, {@code reason}[, {@code duplicate_of}]). */
public final class OutputRecords {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OutputRecords() {}

    static void kept(Writer w, String id, String text) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("text", text);
        w.write(JSON.writeValueAsString(o));
        w.write('\n');
    }

    static void removed(Writer w, String id, String stage, String reason, String duplicateOf) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("stage", stage);
        o.put("reason", reason);
        if (duplicateOf != null) o.put("duplicate_of", duplicateOf);
        w.write(JSON.writeValueAsString(o));
        w.write('\n');
    }

    /** Streams kept.jsonl as (id, text) pairs. */
    public static void readKept(Path file, BiConsumer<String, String> each) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; ) {
                JsonNode o = JSON.readTree(line);
                each.accept(o.get("id").asText(), o.get("text").asText());
            }
        } catch (IOException e) {
            throw new PithException(file + " cannot be read as kept.jsonl (" + e.getMessage() + ").", e);
        }
    }
}
