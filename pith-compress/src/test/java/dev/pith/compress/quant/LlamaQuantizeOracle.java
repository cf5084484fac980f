package dev.pith.compress.quant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * llama.cpp's own quantizer as a test oracle: {@code src/test/oracle/quantize_oracle.c} (our code)
 * is compiled with gcc against the libllama.so that node-llama-cpp 3.21.1 ships (llama.cpp v0.4.0,
 * installed by {@code .ci/install-oracles}) and calls {@code llama_model_quantize} on a GGUF file.
 */
final class LlamaQuantizeOracle {
    private static Path binary;

    static Path root() {
        String r = System.getProperty("pith.root");
        if (r == null) throw new AssertionError("system property pith.root is not set (Maven's surefire sets it to the project folder)");
        return Path.of(r);
    }

    static Path shared(String rel) {
        String s = System.getProperty("pith.shared");
        if (s == null) throw new AssertionError("system property pith.shared is not set");
        Path p = Path.of(s, rel);
        if (!Files.exists(p)) throw new AssertionError("shared data missing: " + p);
        return p;
    }

    /** Installs the oracle (idempotent) and compiles the C program once per JVM. */
    static synchronized Path binary() throws IOException, InterruptedException {
        if (binary != null) return binary;
        Path root = root();
        run(List.of("bash", root.resolve(".ci/install-oracles").toString()));
        Path lib = root.resolve("oracle/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64");
        if (!Files.isRegularFile(lib.resolve("libllama.v0.4.0.so")))
            throw new AssertionError("node-llama-cpp's libllama.v0.4.0.so is missing under " + lib);
        Path src = root.resolve("pith-compress/src/test/oracle/quantize_oracle.c");
        Path out = root.resolve("pith-compress/target/quantize_oracle");
        run(List.of("gcc", "-O1", "-o", out.toString(), src.toString(), "-L" + lib, "-l:libllama.v0.4.0.so", "-Wl,-rpath," + lib));
        binary = out;
        return out;
    }

    /** Quantizes {@code in} to {@code out} with llama.cpp; {@code imatrixRaw} may be null; overrides are PATTERN=ggml-type-id. */
    static String quantize(Path in, Path out, FileType ftype, Path imatrixRaw, List<String> overrides) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(binary().toString(), in.toString(), out.toString(), String.valueOf(ftype.id()),
                imatrixRaw == null ? "-" : imatrixRaw.toString()));
        cmd.addAll(overrides);
        return run(cmd);
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Path log = Files.createTempFile("oracle", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(600, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + cmd);
            }
            String text = Files.readString(log);
            if (p.exitValue() != 0) throw new AssertionError("failed (exit " + p.exitValue() + "): " + cmd + "\n" + text);
            return text;
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
