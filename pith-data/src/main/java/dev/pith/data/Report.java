package dev.pith.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.AtomicFile;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/** report.json (machine-readable) and report.html (one page a person reads) of a curate run. */
final class Report {
    private Report() {}

    static void write(Curator.Options o, RunStats stats, Curator.Summary sum) {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode r = m.createObjectNode();
        ArrayNode in = r.putArray("inputs");
        o.inputs().forEach(p -> in.add(p.toString()));
        r.put("token_unit", o.tokenizer() == null ? "whitespace words" : "tokens of " + o.tokenizerName());
        r.put("documents_in", sum.docsIn());
        r.put("documents_kept", sum.docsKept());
        r.put("bytes_in", sum.bytesIn());
        r.put("bytes_kept", sum.bytesKept());
        r.put("tokens_in", sum.tokensIn());
        r.put("tokens_kept", sum.tokensKept());
        r.put("shards", sum.shards());
        r.put("shards_resumed", sum.shardsResumed());
        r.put("seconds", sum.seconds());
        r.put("threads", o.threads());
        r.set("stages", stats.toJson(m, true));
        if (sum.pack() != null) r.putObject("pack").put("train_tokens", sum.pack().trainTokens()).put("val_tokens", sum.pack().valTokens()).put("dtype", sum.pack().dtype());
        try {
            r.set("config", m.readTree(o.config().toJson()));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        AtomicFile.write(o.out().resolve("report.json"), os -> os.write(m.writeValueAsBytes(r)));
        AtomicFile.write(o.out().resolve("report.html"), os -> os.write(html(r).getBytes(StandardCharsets.UTF_8)));
    }

    static String html(JsonNode r) {
        StringBuilder h = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>pith data curate report</title><style>"
                + "body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
                + "td:first-child,th:first-child{text-align:left}pre{white-space:pre-wrap;background:#f6f6f6;padding:6px;font-size:85%}</style></head><body>");
        h.append("<h1>Curation report</h1><p>")
                .append(String.format("%,d documents in, %,d kept (%.1f%%); %,d → %,d bytes; %,d → %,d %s; %.1f s on %d threads; %d shards (%d resumed).",
                        r.get("documents_in").asLong(), r.get("documents_kept").asLong(), pct(r.get("documents_kept").asLong(), r.get("documents_in").asLong()),
                        r.get("bytes_in").asLong(), r.get("bytes_kept").asLong(), r.get("tokens_in").asLong(), r.get("tokens_kept").asLong(),
                        esc(r.get("token_unit").asText()), r.get("seconds").asDouble(), r.get("threads").asInt(), r.get("shards").asInt(), r.get("shards_resumed").asInt()))
                .append("</p><h2>Stages</h2><table><tr><th>stage</th><th>docs in</th><th>docs out</th><th>bytes in</th><th>bytes out</th><th>tokens in</th><th>tokens out</th><th>lines cut</th><th>MB/s (CPU)</th></tr>");
        for (JsonNode s : r.get("stages")) {
            h.append(String.format("<tr><td>%s</td><td>%,d</td><td>%,d</td><td>%,d</td><td>%,d</td><td>%,d</td><td>%,d</td><td>%,d</td><td>%.1f</td></tr>", esc(s.get("stage").asText()),
                    s.get("docs_in").asLong(), s.get("docs_out").asLong(), s.get("bytes_in").asLong(), s.get("bytes_out").asLong(), s.get("tokens_in").asLong(),
                    s.get("tokens_out").asLong(), s.get("lines_dropped").asLong(), s.get("mb_per_cpu_second").asDouble()));
        }
        h.append("</table><h2>Reasons and samples of what was removed</h2>");
        for (JsonNode s : r.get("stages")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = s.get("reasons").fields(); it.hasNext(); ) {
                var e = it.next();
                h.append("<h3>").append(esc(s.get("stage").asText())).append(" / ").append(esc(e.getKey())).append(": ")
                        .append(String.format("%,d", e.getValue().asLong())).append("</h3>");
                for (JsonNode x : s.get("samples").path(e.getKey()))
                    h.append("<p><b>").append(esc(x.get("id").asText())).append("</b></p><pre>").append(esc(x.get("text").asText())).append("</pre>");
            }
        }
        return h.append("</body></html>\n").toString();
    }

    private static double pct(long a, long b) { return b == 0 ? 0 : 100.0 * a / b; }

    private static String esc(String s) { return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"); }
}
