package dev.pith.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Training survives SIGKILL: a run killed at random moments 20 times and restarted with --resume
 * each time ends with exactly the weights of a run that was never interrupted, and every restart
 * finds a checkpoint that loads (atomic writes: never half-written).
 */
class KillResumeTest {
    private static final int KILLS = 20;
    @TempDir Path dir;

    @Test
    void killedTwentyTimesThenResumedEqualsUninterrupted() throws Exception {
        Path text = Path.of(System.getProperty("pith.shared"), "data", "text", "tinyshakespeare.txt");
        Path clean = dir.resolve("clean"), killed = dir.resolve("killed");
        long t0 = System.nanoTime();
        assertThat(train(clean, text, false).waitFor(5, TimeUnit.MINUTES)).isTrue();
        long cleanMillis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(Files.exists(clean.resolve("model.gguf"))).isTrue();

        SplittableRandom random = new SplittableRandom(2026);
        int kills = 0, restarts = 0;
        while (!Files.exists(killed.resolve("model.gguf"))) {
            boolean resume = Files.exists(killed.resolve("checkpoint.bin"));
            Process p = train(killed, text, resume);
            restarts++;
            if (kills < KILLS) {
                // JVM start-up plus a few steps: kill anywhere from before the first step to mid-run.
                boolean ended = p.waitFor(300 + random.nextInt(1500), TimeUnit.MILLISECONDS);
                if (!ended) {
                    p.destroyForcibly();   // SIGKILL
                    p.waitFor();
                    kills++;
                    continue;
                }
            } else {
                assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
            }
            assertThat(p.exitValue()).as("exit code of restart %d", restarts).isZero();
        }
        assertThat(kills).as("kills before the run finished (%d restarts, clean run %d ms)", restarts, cleanMillis).isEqualTo(KILLS);
        assertThat(Files.mismatch(clean.resolve("model.gguf"), killed.resolve("model.gguf")))
                .as("final weights after %d kills", kills).isEqualTo(-1L);
        assertThat(Files.mismatch(clean.resolve("checkpoint.bin"), killed.resolve("checkpoint.bin"))).isEqualTo(-1L);
    }

    private static Process train(Path out, Path text, boolean resume) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseParallelGC", "-Xmx512m", "-cp", System.getProperty("java.class.path"), "dev.pith.cli.Main",
                "train", "--preset", "tiny", "--data", text.toString(), "--tokenizer", "char", "--steps", "3000", "--batch", "4",
                "--seq-len", "64", "--lr", "3e-3", "--checkpoint-every", "5", "--eval-every", "200", "--seed", "11", "--threads", "1",
                "--out", out.toString(), "--json"));
        if (resume) cmd.add("--resume");
        return new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }
}
