package dev.pith.cli.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the llama.cpp reference, {@code oracle/llamacpp.mjs} (node-llama-cpp 3.21.1), as a child
 * process and parses the one JSON object it prints. Any failure to run it is an assertion error:
 * a parity test without its reference must fail, not skip.
 */
final class LlamaCppOracle {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static boolean installed;

    private final Path root;

    LlamaCppOracle() {
        String r = System.getProperty("pith.root");
        if (r == null) throw new AssertionError("system property pith.root is not set (Maven's surefire sets it to the project folder)");
        root = Path.of(r);
        if (!Files.isRegularFile(root.resolve("oracle/llamacpp.mjs")))
            throw new AssertionError("the llama.cpp oracle script is missing: " + root.resolve("oracle/llamacpp.mjs"));
        install();
    }

    /** Runs .ci/install-oracles once per JVM; it is idempotent and quick when node_modules is current. */
    private synchronized void install() {
        if (installed) return;
        Result r = exec(List.of("bash", root.resolve(".ci/install-oracles").toString()), 900);
        if (r.code != 0) throw new AssertionError(".ci/install-oracles failed (exit " + r.code + "):\n" + r.out + r.err);
        installed = true;
    }

    /**
     * Runs {@code node oracle/llamacpp.mjs args… --threads N} and returns its JSON answer. The tests
     * use one thread: on a 2-core machine llama.cpp's spinning worker threads slow down 10-30x when
     * anything else is busy (100 perplexity chunks: ~5 s on one thread, 35-73 s on two under load),
     * and a 260K-parameter model gains little from a second thread.
     */
    JsonNode run(int threads, String... args) {
        List<String> cmd = new ArrayList<>(List.of("node", root.resolve("oracle/llamacpp.mjs").toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--threads", String.valueOf(threads)));
        Result r = exec(cmd, 1800);
        if (r.code != 0) throw new AssertionError("the llama.cpp oracle failed (exit " + r.code + "): " + String.join(" ", cmd) + "\n" + r.err);
        try {
            return JSON.readTree(r.out);
        } catch (IOException e) {
            throw new AssertionError("the llama.cpp oracle printed no JSON: " + r.out + "\n" + r.err, e);
        }
    }

    static String json(List<String> values) {
        try {
            return JSON.writeValueAsString(values);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Result(int code, String out, String err) {}

    private Result exec(List<String> cmd, int timeoutSeconds) {
        try {
            Path errFile = Files.createTempFile("oracle-", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectError(errFile.toFile());
                Process p = pb.start();
                p.getOutputStream().close();
                byte[] out = p.getInputStream().readAllBytes();   // stderr goes to a file, so this cannot deadlock
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd));
                }
                return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), Files.readString(errFile));
            } finally {
                Files.deleteIfExists(errFile);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", cmd) + " (is Node.js >= 20 on the PATH?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + String.join(" ", cmd), e);
        }
    }
}
