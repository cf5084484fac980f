package dev.pith.train.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.pith.core.PithException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Sequence-level distillation against an OpenAI-compatible server running inside the test (no
 * network): injected 429 and 500 answers are retried, malformed answers skipped and counted, a
 * killed run resumes without duplicating or losing an example, an unreachable endpoint and an
 * empty prompt file fail with one sentence, keeping the work done.
 */
class GenerationJobTest {
    static final ObjectMapper JSON = new ObjectMapper();
    HttpServer server;
    final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    final AtomicInteger requests = new AtomicInteger();
    volatile String lastAuth;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/chat/completions", ex -> {
            requests.incrementAndGet();
            lastAuth = ex.getRequestHeaders().getFirst("Authorization");
            JsonNode req = JSON.readTree(ex.getRequestBody());
            String prompt = req.path("messages").path(0).path("content").asText();
            int n = calls.computeIfAbsent(prompt, k -> new AtomicInteger()).incrementAndGet();
            int code = 200;
            String body;
            if (prompt.startsWith("busy") && n <= 2) {
                code = 429;
                body = "{\"error\": \"rate limited\"}";
            } else if (prompt.startsWith("flaky") && n == 1) {
                code = 500;
                body = "oops";
            } else if (prompt.startsWith("garbled")) {
                body = "{\"choices\": [{\"message\": {\"content\": 42}}";
            } else if (prompt.startsWith("empty")) {
                body = "{\"choices\": []}";
            } else {
                body = JSON.createObjectNode().set("choices", JSON.createArrayNode().add(JSON.createObjectNode()
                        .set("message", JSON.createObjectNode().put("role", "assistant").put("content", "answer to " + prompt)))).toString();
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(code, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() { server.stop(0); }

    String url() { return "http://127.0.0.1:" + server.getAddress().getPort(); }

    EndpointTeacher teacher() { return new EndpointTeacher(url(), "teacher", "sk-test", 32, 0.7, 1, 4, 1); }

    static List<String> prompts() {
        List<String> p = new ArrayList<>();
        for (int i = 0; i < 30; i++) p.add((i % 5 == 1 ? "busy " : i % 5 == 2 ? "flaky " : "") + "story " + i);
        p.add("garbled one");
        p.add("empty one");
        return p;
    }

    @Test
    void retriesSkipsMalformedAnswersAndWritesEachExampleOnce(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("data.jsonl");
        GenerationJob.Result r = GenerationJob.run(prompts(), teacher(), out, 4, n -> {});
        assertThat(r.written()).isEqualTo(30);
        assertThat(r.malformed()).isEqualTo(2);
        assertThat(lastAuth).isEqualTo("Bearer sk-test");
        List<JsonNode> lines = read(out);
        assertThat(lines).hasSize(30);
        assertThat(lines.stream().map(l -> l.get("id").asLong()).distinct().count()).isEqualTo(30);
        for (JsonNode l : lines) assertThat(l.get("completion").asText()).isEqualTo("answer to " + l.get("prompt").asText());
        assertThat(calls.get("busy story 1").get()).isEqualTo(3);
        assertThat(calls.get("flaky story 2").get()).isEqualTo(2);
    }

    @Test
    void aKilledRunResumesWithoutDuplicatesOrLosses(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("data.jsonl");
        List<String> prompts = prompts();
        // kill the job after a few answers: the writer of the 8th throws, as a crash mid-run would
        AtomicInteger answered = new AtomicInteger();
        TeacherWriter dying = (id, p) -> {
            if (answered.incrementAndGet() == 8) throw new IllegalStateException("killed");
            return teacher().complete(id, p);
        };
        assertThatThrownBy(() -> GenerationJob.run(prompts, dying, out, 2, n -> {})).hasRootCauseMessage("killed");
        int before = read(out).size();
        // and a write cut in the middle of a line
        Files.writeString(out, "{\"id\": 29, \"prompt\": \"sto", StandardOpenOption.APPEND);
        assertThat(before).isBetween(1, 29);
        GenerationJob.Result r = GenerationJob.run(prompts, teacher(), out, 3, n -> {});
        assertThat(r.alreadyDone()).isEqualTo(before);
        List<JsonNode> lines = read(out);
        assertThat(lines).hasSize(30);
        assertThat(lines.stream().map(l -> l.get("id").asLong()).distinct().count()).isEqualTo(30);
        // a third run has nothing left to ask for
        int asked = requests.get();
        assertThat(GenerationJob.run(prompts, teacher(), out, 3, n -> {}).written()).isZero();
        assertThat(requests.get() - asked).isEqualTo(2); // only the two malformed ones are asked again
    }

    @Test
    void anUnreachableEndpointFailsClearlyAndKeepsTheWorkDone(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("data.jsonl");
        Files.writeString(out, "{\"id\":0,\"prompt\":\"story 0\",\"completion\":\"kept\"}\n");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free, and closed again: nothing listens there
        }
        EndpointTeacher nowhere = new EndpointTeacher("http://127.0.0.1:" + port + "/v1", null, null, 8, 1, 1, 2, 1);
        assertThatThrownBy(() -> GenerationJob.run(prompts(), nowhere, out, 2, n -> {}))
                .isInstanceOf(PithException.class)
                .hasMessageContaining("127.0.0.1:" + port).hasMessageContaining("did not answer after 3 tries")
                .hasMessageContaining("1 of 32 examples are in " + out);
        assertThat(Files.readString(out)).contains("kept");
    }

    @Test
    void badPromptFilesAndUrlsAreRefused(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n  \n");
        assertThatThrownBy(() -> GenerationJob.readPrompts(empty)).isInstanceOf(PithException.class).hasMessageContaining(empty.toString()).hasMessageContaining("no prompts");
        Path jsonl = Files.writeString(dir.resolve("p.jsonl"), "{\"prompt\": \"a\"}\nplain b\n");
        assertThat(GenerationJob.readPrompts(jsonl)).containsExactly("a", "plain b");
        assertThatThrownBy(() -> new EndpointTeacher("ftp://x", null, null, 8, 1, 1, 1, 1)).isInstanceOf(PithException.class).hasMessageContaining("http://");
        Path notOurs = Files.writeString(dir.resolve("other.jsonl"), "not json\n");
        assertThatThrownBy(() -> GenerationJob.run(List.of("a"), teacher(), notOurs, 1, n -> {})).isInstanceOf(PithException.class).hasMessageContaining(notOurs.toString());
    }

    static List<JsonNode> read(Path out) throws IOException {
        List<JsonNode> l = new ArrayList<>();
        for (String s : Files.readAllLines(out)) if (!s.isBlank()) l.add(JSON.readTree(s));
        return l;
    }
}
