package dev.pith.train.distill;

import dev.pith.core.PithException;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.LrSchedule;
import dev.pith.train.Rng;
import dev.pith.train.TokenSource;
import dev.pith.train.TrainOptions;
import dev.pith.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.pith.train.distill.TeacherCacheTest.BATCH;
import static dev.pith.train.distill.TeacherCacheTest.SEQ;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** On-policy batches: seeded, prompt kept, targets the samples shifted by one, λ obeyed. */
class OnPolicyTest {
    static LlamaTrainModel student() {
        LlamaTrainModel s = new LlamaTrainModel(TeacherCacheTest.STUDENT);
        s.initialize(new Rng(7));
        return s;
    }

    @Test
    void samplesAreSeededKeepThePromptAndShiftIntoTheTargets() {
        int[] data = TeacherCacheTest.tokens(BATCH * SEQ + 1, 40, 2);
        int[] in = java.util.Arrays.copyOf(data, BATCH * SEQ), tg = new int[in.length];
        long[] offsets = {0, 12, 24};
        int[] in1 = in.clone(), tg1 = tg.clone(), in2 = in.clone(), tg2 = tg.clone(), in3 = in.clone(), tg3 = tg.clone();
        assertThat(new OnPolicy(student(), 1, 1, 5).rewrite(in1, tg1, offsets, BATCH, SEQ)).isTrue();
        assertThat(new OnPolicy(student(), 1, 1, 5).rewrite(in2, tg2, offsets, BATCH, SEQ)).isTrue();
        new OnPolicy(student(), 1, 1, 6).rewrite(in3, tg3, offsets, BATCH, SEQ);
        assertThat(in2).containsExactly(in1);
        assertThat(tg2).containsExactly(tg1);
        assertThat(in3).as("another seed, other samples").isNotEqualTo(in1);
        for (int r = 0; r < BATCH; r++) {
            for (int i = 0; i < SEQ / 2; i++) assertThat(in1[r * SEQ + i]).isEqualTo(in[r * SEQ + i]);
            for (int i = 0; i + 1 < SEQ; i++) assertThat(tg1[r * SEQ + i]).isEqualTo(in1[r * SEQ + i + 1]);
        }
        assertThat(in1).as("the second halves are the student's, not the data's").isNotEqualTo(in);
    }

    @Test
    void lambdaIsTheShareOfSampledBatches() {
        int[] in = new int[BATCH * SEQ], tg = new int[BATCH * SEQ];
        OnPolicy never = new OnPolicy(student(), 0, 1, 1), half = new OnPolicy(student(), 0.5, 1, 1);
        int sampled = 0;
        for (int b = 0; b < 200; b++) {
            long[] offsets = {12L * b, 12L * (b + 1), 12L * (b + 2)};
            assertThat(never.rewrite(in, tg, offsets, BATCH, SEQ)).isFalse();
            if (half.rewrite(in.clone(), tg.clone(), offsets, BATCH, SEQ)) sampled++;
        }
        assertThat(sampled).isBetween(70, 130);
    }

    @Test
    void onPolicyTrainingRunsAndACacheIsRefused(@TempDir Path dir) {
        TokenSource train = TokenSource.of(TeacherCacheTest.tokens(600, 40, 3));
        Teacher live = TrainEngineTeacher.forModel(TeacherCacheTest.teacherModel());
        LlamaTrainModel s = student();
        TrainOptions o = new TrainOptions(6, BATCH, SEQ, 3e-3, 3e-4, 1, LrSchedule.Decay.COSINE, 0.1, 0.9, 0.95, 1e-8, 1.0, 1, 21);
        Trainer t = new Trainer(s, o, train, null, new DistillBatchLoss(live, Divergence.parse("jsd", 0.5, 0.1), 0.5, 1)
                .withOnPolicy(new OnPolicy(s, 0.5, 1, 21)));
        for (int i = 0; i < 6; i++) assertThat(t.trainStep()).isFinite().isPositive();

        TeacherCache cache = TeacherCache.build(dir, live, train, TeacherCache.layoutFor(train, SEQ, 4, 40, 8, "t"), 4, (d, n, r) -> {});
        assertThatThrownBy(() -> new DistillBatchLoss(cache, Divergence.parse("kl", 0.5, 0.1), 0.5, 1).withOnPolicy(new OnPolicy(s, 0.5, 1, 1)))
                .isInstanceOf(PithException.class).hasMessageContaining("live --teacher");
    }
}
