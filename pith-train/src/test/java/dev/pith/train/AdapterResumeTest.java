package dev.pith.train;

import dev.pith.core.PithException;
import dev.pith.train.lora.AdaLora;
import dev.pith.train.lora.AdaLoraAdapter;
import dev.pith.train.lora.AdaLoraConfig;
import dev.pith.train.lora.Lora;
import dev.pith.train.lora.LoraConfig;
import dev.pith.train.lora.LoraTarget;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An AdaLoRA run killed after a checkpoint and resumed ends exactly where the uninterrupted run
 * does: the checkpoint carries the importance averages, the masks, the final pattern and the
 * dropout generators, so the allocations after resuming are the same. A LoRA run with dropout
 * likewise (its dropout generators).
 */
class AdapterResumeTest {
    private static final int STEPS = 24;
    private static final TrainRun.Listener QUIET = (s, l, tps) -> {};

    private record Run(Trainer trainer, AdaLora ada) {}

    /** t_init 2, t_final 6: the budget falls over steps 3–17, the pattern is fixed at step 18; dropout on. */
    private static Run run() {
        LlamaTrainModel m = new LlamaTrainModel(ResumeTest.CONFIG, n -> LlamaTrainModel.Storage.FROZEN);
        m.initialize(new Rng(11));
        AdaLoraConfig cfg = new AdaLoraConfig(4, 2, 8.0, 0.1, EnumSet.of(LoraTarget.Q, LoraTarget.V, LoraTarget.UP, LoraTarget.DOWN),
                2, 6, 2, 0.85, 0.85, 0.5, STEPS);
        AdaLora ada = AdaLora.attach(m, cfg, 5);
        TrainOptions o = new TrainOptions(STEPS, 3, 12, 5e-3, 5e-4, 2, LrSchedule.Decay.COSINE, 0.0, 0.9, 0.95, 1e-8, 1.0, 1, 21);
        int[] all = ResumeTest.tokens(3000, ResumeTest.CONFIG.vocabSize());
        Trainer t = new Trainer(m, o, TokenSource.of(java.util.Arrays.copyOf(all, 2700)), TokenSource.of(java.util.Arrays.copyOfRange(all, 2700, 3000)));
        t.setHook(ada);
        return new Run(t, ada);
    }

    @ParameterizedTest(name = "killed at step {0}, last checkpoint at {1}")
    @CsvSource({"13, 8", "23, 20"}) // while the budget falls; after the pattern was fixed
    void resumedRunEqualsUninterruptedRun(int killAt, int checkpointAt, @TempDir Path dir) throws Exception {
        Path a = Files.createDirectories(dir.resolve("a")), b = Files.createDirectories(dir.resolve("b"));
        Run full = run();
        new TrainRun(full.trainer, new TrainRun.Settings(0, 2, checkpointAt, a)).run(QUIET);

        Run first = run();
        assertThatThrownBy(() -> new TrainRun(first.trainer, new TrainRun.Settings(0, 2, checkpointAt, b)).run((s, l, tps) -> {
            if (s == killAt) throw new IllegalStateException("killed");
        })).hasMessage("killed");
        Run second = run();
        TrainRun resumed = new TrainRun(second.trainer, new TrainRun.Settings(0, 2, checkpointAt, b));
        assertThat(resumed.resume()).isEqualTo(checkpointAt);
        resumed.run(QUIET);

        List<Param> pa = full.trainer.model().trainableParams(), pb = second.trainer.model().trainableParams();
        for (int i = 0; i < pa.size(); i++) assertThat(pb.get(i).w).as(pa.get(i).name()).containsExactly(pa.get(i).w);
        AdaLoraAdapter sa = full.ada.snapshot("m"), sb = second.ada.snapshot("m");
        for (int i = 0; i < sa.entries().size(); i++) assertThat(sb.entries().get(i).keep()).containsExactly(sa.entries().get(i).keep());
        // the allocation did something: fewer triplets than at the start, as many as the uninterrupted run
        assertThat(second.ada.rankInUse()).isEqualTo(full.ada.rankInUse()).isLessThan(second.ada.allocator().initBudget());
        assertThat(Files.readAllBytes(b.resolve(TrainRun.CHECKPOINT))).isEqualTo(Files.readAllBytes(a.resolve(TrainRun.CHECKPOINT)));
    }

    @Test
    void aCheckpointWithoutAdaLoraStateIsRefused(@TempDir Path dir) {
        Trainer plain = run().trainer;
        plain.setHook(null);
        new TrainRun(plain, new TrainRun.Settings(0, 1, 2, dir)).run(QUIET);
        assertThatThrownBy(() -> new TrainRun(run().trainer, new TrainRun.Settings(0, 1, 2, dir)).resume())
                .isInstanceOf(PithException.class).hasMessageContaining("checkpoint.bin holds no AdaLoRA rank-allocation state");
    }

    @Test
    void anAdaLoraCheckpointIsRefusedByARunWithoutIt(@TempDir Path dir) {
        new TrainRun(run().trainer, new TrainRun.Settings(0, 1, 2, dir)).run(QUIET);
        Trainer plain = run().trainer;
        plain.setHook(null);
        assertThatThrownBy(() -> new TrainRun(plain, new TrainRun.Settings(0, 1, 2, dir)).resume())
                .isInstanceOf(PithException.class).hasMessageContaining("holds a state this run does not keep");
    }

    private static Trainer loraRun() {
        LlamaTrainModel m = new LlamaTrainModel(ResumeTest.CONFIG, n -> LlamaTrainModel.Storage.FROZEN);
        m.initialize(new Rng(11));
        Lora lora = Lora.attach(m, new LoraConfig(2, 4.0, 0.2, EnumSet.of(LoraTarget.Q, LoraTarget.DOWN)), 5);
        TrainOptions o = new TrainOptions(12, 3, 12, 5e-3, 5e-4, 2, LrSchedule.Decay.COSINE, 0.0, 0.9, 0.95, 1e-8, 1.0, 1, 21);
        int[] all = ResumeTest.tokens(3000, ResumeTest.CONFIG.vocabSize());
        Trainer t = new Trainer(m, o, TokenSource.of(java.util.Arrays.copyOf(all, 2700)), TokenSource.of(java.util.Arrays.copyOfRange(all, 2700, 3000)));
        t.setHook(lora);
        return t;
    }

    @Test
    void loraWithDropoutResumesExactly(@TempDir Path dir) throws Exception {
        Path a = Files.createDirectories(dir.resolve("a")), b = Files.createDirectories(dir.resolve("b"));
        Trainer full = loraRun();
        new TrainRun(full, new TrainRun.Settings(0, 2, 4, a)).run(QUIET);
        Trainer first = loraRun();
        assertThatThrownBy(() -> new TrainRun(first, new TrainRun.Settings(0, 2, 4, b)).run((s, l, tps) -> {
            if (s == 7) throw new IllegalStateException("killed");
        })).hasMessage("killed");
        Trainer second = loraRun();
        TrainRun resumed = new TrainRun(second, new TrainRun.Settings(0, 2, 4, b));
        assertThat(resumed.resume()).isEqualTo(4);
        resumed.run(QUIET);
        List<Param> pa = full.model().trainableParams(), pb = second.model().trainableParams();
        for (int i = 0; i < pa.size(); i++) assertThat(pb.get(i).w).as(pa.get(i).name()).containsExactly(pa.get(i).w);
    }
}
