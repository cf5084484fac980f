package dev.pith.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-stage counts of a run (documents, bytes and tokens in and out, removal reasons, lines cut,
 * CPU time) and a few samples of what each reason removed. Shards keep their own and are merged
 * in shard order, so a resumed run reports exactly what an uninterrupted one does (apart from time).
 */
public final class RunStats {
    /** Report order of the stages; a stage that never ran is left out. */
    static final List<String> ORDER = List.of("read", "gopher", "c4", "code", "decontam", "perplexity", "classifier", "exact_dedup", "near_dedup");
    static final int SAMPLES_PER_REASON = 3;
    static final int SAMPLE_CHARS = 400;

    static final class Stage {
        long docsIn, docsOut, bytesIn, bytesOut, tokensIn, tokensOut, linesDropped, nanos;
        final Map<String, Long> reasons = new TreeMap<>();
        final Map<String, List<String[]>> samples = new TreeMap<>();
    }

    final Map<String, Stage> stages = new LinkedHashMap<>();

    private Stage stage(String name) { return stages.computeIfAbsent(name, k -> new Stage()); }

    public void add(StageEvent e) {
        int colon = e.stage().indexOf(':');
        if (colon >= 0) { // hashing time of a global stage: time only
            stage(e.stage().substring(0, colon)).nanos += e.nanos();
            return;
        }
        Stage s = stage(e.stage());
        s.docsIn++;
        s.bytesIn += e.bytesIn();
        s.tokensIn += e.tokensIn();
        s.bytesOut += e.bytesOut();
        s.tokensOut += e.tokensOut();
        s.linesDropped += e.linesDropped();
        s.nanos += e.nanos();
        if (e.reason() == null) s.docsOut++;
        else s.reasons.merge(e.reason(), 1L, Long::sum);
    }

    public void sample(String stage, String reason, String id, String text) {
        if (text == null) return;
        List<String[]> l = stage(stage).samples.computeIfAbsent(reason, k -> new ArrayList<>());
        if (l.size() < SAMPLES_PER_REASON) l.add(new String[]{id, text.length() > SAMPLE_CHARS ? text.substring(0, SAMPLE_CHARS) + "…" : text});
    }

    public void merge(RunStats o) {
        for (var e : o.stages.entrySet()) {
            Stage s = stage(e.getKey()), t = e.getValue();
            s.docsIn += t.docsIn;
            s.docsOut += t.docsOut;
            s.bytesIn += t.bytesIn;
            s.bytesOut += t.bytesOut;
            s.tokensIn += t.tokensIn;
            s.tokensOut += t.tokensOut;
            s.linesDropped += t.linesDropped;
            s.nanos += t.nanos;
            t.reasons.forEach((k, v) -> s.reasons.merge(k, v, Long::sum));
            t.samples.forEach((k, v) -> v.forEach(x -> sample(e.getKey(), k, x[0], x[1])));
        }
    }

    /** Stages in report order. */
    List<Map.Entry<String, Stage>> ordered() {
        List<Map.Entry<String, Stage>> out = new ArrayList<>();
        for (String n : ORDER) if (stages.containsKey(n)) out.add(Map.entry(n, stages.get(n)));
        for (var e : stages.entrySet()) if (!ORDER.contains(e.getKey())) out.add(e);
        return out;
    }

    ArrayNode toJson(ObjectMapper m, boolean withTime) {
        ArrayNode a = m.createArrayNode();
        for (var e : ordered()) {
            Stage s = e.getValue();
            ObjectNode o = a.addObject();
            o.put("stage", e.getKey());
            o.put("docs_in", s.docsIn);
            o.put("docs_out", s.docsOut);
            o.put("bytes_in", s.bytesIn);
            o.put("bytes_out", s.bytesOut);
            o.put("tokens_in", s.tokensIn);
            o.put("tokens_out", s.tokensOut);
            o.put("lines_dropped", s.linesDropped);
            if (withTime) {
                o.put("cpu_seconds", s.nanos / 1e9);
                o.put("mb_per_cpu_second", s.nanos == 0 ? 0 : s.bytesIn / 1e6 / (s.nanos / 1e9));
            } else {
                o.put("nanos", s.nanos);
            }
            ObjectNode r = o.putObject("reasons");
            s.reasons.forEach(r::put);
            ObjectNode sm = o.putObject("samples");
            s.samples.forEach((k, v) -> {
                ArrayNode l = sm.putArray(k);
                for (String[] x : v) l.addObject().put("id", x[0]).put("text", x[1]);
            });
        }
        return a;
    }

    static RunStats fromJson(JsonNode a) {
        RunStats rs = new RunStats();
        for (JsonNode o : a) {
            Stage s = rs.stage(o.get("stage").asText());
            s.docsIn = o.get("docs_in").asLong();
            s.docsOut = o.get("docs_out").asLong();
            s.bytesIn = o.get("bytes_in").asLong();
            s.bytesOut = o.get("bytes_out").asLong();
            s.tokensIn = o.get("tokens_in").asLong();
            s.tokensOut = o.get("tokens_out").asLong();
            s.linesDropped = o.get("lines_dropped").asLong();
            s.nanos = o.path("nanos").asLong();
            o.get("reasons").fields().forEachRemaining(f -> s.reasons.put(f.getKey(), f.getValue().asLong()));
            o.get("samples").fields().forEachRemaining(f -> {
                List<String[]> l = new ArrayList<>();
                for (JsonNode x : f.getValue()) l.add(new String[]{x.get("id").asText(), x.get("text").asText()});
                s.samples.put(f.getKey(), l);
            });
        }
        return rs;
    }
}
