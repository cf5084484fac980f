package dev.pith.train;

import dev.pith.core.PithException;
import dev.pith.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A run stopped after a checkpoint and resumed ends with exactly the weights of the uninterrupted run. */
class ResumeTest {
    static final ModelConfig CONFIG = new ModelConfig("llama", 32, 2, 4, 2, 8, 48, 40, 32, 1e-5f, 10000f, 8, false, null, false);

    static int[] tokens(int n, int vocab) {
        Rng r = new Rng(99);
        int[] t = new int[n];
        for (int i = 1; i < n; i++) t[i] = (int) ((t[i - 1] * 7 + 3 + r.nextLong(3)) % vocab);
        return t;
    }

    static Trainer trainer(int steps) {
        LlamaTrainModel m = new LlamaTrainModel(CONFIG);
        m.initialize(new Rng(11));
        TrainOptions o = new TrainOptions(steps, 3, 12, 2e-3, 2e-4, 4, LrSchedule.Decay.COSINE, 0.1, 0.9, 0.95, 1e-8, 1.0, 2, 21);
        int[] all = tokens(3000, CONFIG.vocabSize());
        return new Trainer(m, o, TokenSource.of(java.util.Arrays.copyOf(all, 2700)), TokenSource.of(java.util.Arrays.copyOfRange(all, 2700, 3000)));
    }

    private static final TrainRun.Listener QUIET = (s, l, tps) -> {};

    @Test
    void resumedRunEqualsUninterruptedRunBitForBit(@TempDir Path dir) throws Exception {
        Path a = Files.createDirectories(dir.resolve("a")), b = Files.createDirectories(dir.resolve("b"));
        Trainer full = trainer(24);
        TrainRun.Result ra = new TrainRun(full, new TrainRun.Settings(8, 2, 8, a)).run(QUIET);
        assertThat(ra.steps()).isEqualTo(24);

        Trainer first = trainer(24);
        // "kill" the run at step 13: the last checkpoint is step 8, and steps 9-13 were logged
        assertThatThrownBy(() -> new TrainRun(first, new TrainRun.Settings(8, 2, 8, b)).run((s, l, tps) -> {
            if (s == 13) throw new IllegalStateException("killed");
        })).hasMessage("killed");
        Trainer second = trainer(24);
        TrainRun resumed = new TrainRun(second, new TrainRun.Settings(8, 2, 8, b));
        assertThat(resumed.resume()).isEqualTo(8);
        TrainRun.Result rb = resumed.run(QUIET);
        assertThat(rb.startStep()).isEqualTo(8);

        List<Param> pa = full.model().params(), pb = second.model().params();
        for (int i = 0; i < pa.size(); i++) assertThat(pb.get(i).w).as(pa.get(i).name()).containsExactly(pa.get(i).w);
        assertThat(rb.valLoss()).isEqualTo(ra.valLoss());
        // the metrics file reads as one run: steps 1..24 once each, identical to the uninterrupted log
        assertThat(Files.readAllLines(b.resolve(TrainRun.METRICS))).hasSize(24);
        List<String> la = Files.readAllLines(a.resolve(TrainRun.METRICS)), lb = Files.readAllLines(b.resolve(TrainRun.METRICS));
        for (int i = 0; i < 24; i++) assertThat(stripSpeed(lb.get(i))).isEqualTo(stripSpeed(la.get(i)));
        assertThat(Files.readAllBytes(b.resolve(TrainRun.CHECKPOINT))).isEqualTo(Files.readAllBytes(a.resolve(TrainRun.CHECKPOINT)));
        // and it learned something
        assertThat(ra.valLoss()).isLessThan(Math.log(CONFIG.vocabSize()) - 0.3);
    }

    private static String stripSpeed(String line) { return line.replaceAll(",\"tokens_per_second\":[^,}]*", ""); }

    @Test
    void aCorruptedCheckpointIsRefusedWithOneSentence(@TempDir Path dir) throws Exception {
        Trainer t = trainer(4);
        new TrainRun(t, new TrainRun.Settings(0, 1, 2, dir)).run(QUIET);
        Path ck = dir.resolve(TrainRun.CHECKPOINT);
        byte[] bytes = Files.readAllBytes(ck);
        bytes[bytes.length / 2] ^= 1;
        Files.write(ck, bytes);
        assertThatThrownBy(() -> new TrainRun(trainer(4), new TrainRun.Settings(0, 1, 2, dir)).resume())
                .isInstanceOf(PithException.class).hasMessageContaining("checkpoint.bin is corrupted");
        Files.write(ck, java.util.Arrays.copyOf(bytes, 100));
        assertThatThrownBy(() -> Checkpoint.load(ck)).isInstanceOf(PithException.class).hasMessageContaining("corrupted");
        Files.writeString(ck, "hello");
        assertThatThrownBy(() -> Checkpoint.load(ck)).isInstanceOf(PithException.class).hasMessageContaining("not a Pith checkpoint");
    }

    @Test
    void noTemporaryFilesAreLeftBehind(@TempDir Path dir) throws Exception {
        new TrainRun(trainer(4), new TrainRun.Settings(2, 1, 1, dir)).run(QUIET);
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly(TrainRun.CHECKPOINT, TrainRun.METRICS);
        }
    }
}
