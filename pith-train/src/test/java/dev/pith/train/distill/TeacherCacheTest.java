package dev.pith.train.distill;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.LrSchedule;
import dev.pith.train.ModelBridge;
import dev.pith.train.Param;
import dev.pith.train.Rng;
import dev.pith.train.TokenSource;
import dev.pith.train.TrainOptions;
import dev.pith.train.TrainRun;
import dev.pith.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Live and cached teachers: the same logits, the same run, resumable cache building, refusals. */
class TeacherCacheTest {
    static final ModelConfig TEACHER = new ModelConfig("llama", 32, 2, 4, 2, 8, 64, 40, 32, 1e-5f, 10000f, 8, false, null, true);
    static final ModelConfig STUDENT = new ModelConfig("llama", 16, 1, 2, 2, 8, 32, 40, 32, 1e-5f, 10000f, 8, false, null, true);
    static final int SEQ = 12, BATCH = 3;

    static int[] tokens(int n, int vocab, long seed) {
        Rng r = new Rng(seed);
        int[] t = new int[n];
        for (int i = 1; i < n; i++) t[i] = (int) ((t[i - 1] * 7 + 3 + r.nextLong(3)) % vocab);
        return t;
    }

    static Model teacherModel() {
        LlamaTrainModel t = new LlamaTrainModel(TEACHER);
        t.initialize(new Rng(5));
        for (Param p : t.params()) for (int i = 0; i < p.w.length; i++) p.w[i] *= p.rows() == 1 ? 1 : 8; // a peaked teacher
        return ModelBridge.toModel(t, null, Path.of("teacher.gguf"));
    }

    static Trainer student(Teacher teacher, TokenSource train, TokenSource val, int steps) {
        LlamaTrainModel s = new LlamaTrainModel(STUDENT);
        s.initialize(new Rng(7));
        TrainOptions o = new TrainOptions(steps, BATCH, SEQ, 3e-3, 3e-4, 2, LrSchedule.Decay.COSINE, 0.1, 0.9, 0.95, 1e-8, 1.0, 1, 21);
        return new Trainer(s, o, train, val, new DistillBatchLoss(teacher, Divergence.parse("kl", 0.5, 0.1), 0.8, 2.0));
    }

    @Test
    void cacheWithTheWholeVocabularyGivesExactlyTheLiveRun(@TempDir Path dir) {
        int[] all = tokens(700, 40, 3);
        TokenSource train = TokenSource.of(java.util.Arrays.copyOf(all, 600)), val = TokenSource.of(java.util.Arrays.copyOfRange(all, 600, 700));
        Teacher live = TrainEngineTeacher.forModel(teacherModel());
        assertThat(live).isInstanceOf(TrainEngineTeacher.class);
        TeacherCache cache = TeacherCache.build(dir, live, train, TeacherCache.layoutFor(train, SEQ, 40, 40, 7, "t"), 4, (d, n, reused) -> {});
        assertThat(cache.layout().windows()).isEqualTo(49); // (600 − 1) / 12
        assertThat(cache.layout().shards()).isEqualTo(7);

        Trainer a = student(live, train, val, 15), b = student(cache, train, val, 15);
        for (int i = 0; i < 15; i++) assertThat(b.trainStep()).isEqualTo(a.trainStep());
        List<Param> pa = a.model().params(), pb = b.model().params();
        for (int i = 0; i < pa.size(); i++) assertThat(pb.get(i).w).as(pa.get(i).name()).containsExactly(pa.get(i).w);
    }

    @Test
    void topKKeepsTheLargestLogitsAndTheRestsProbability() {
        Rng r = new Rng(1);
        int v = 50, k = 8;
        float[] z = new float[v];
        for (int j = 0; j < v; j++) z[j] = (float) (3 * r.nextGaussian());
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * k + 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        TopK.write(z, 0, v, k, b);
        float[] back = new float[v];
        TopK.read(b, 0, k, back, 0, v);
        float[] sorted = z.clone();
        java.util.Arrays.sort(sorted);
        int kept = 0;
        for (int j = 0; j < v; j++) {
            if (back[j] == z[j]) {
                kept++;
                assertThat(z[j]).isGreaterThanOrEqualTo(sorted[v - k]);
            }
        }
        assertThat(kept).isEqualTo(k);
        assertThat(logSumExp(back)).isCloseTo(logSumExp(z), within(1e-5));
    }

    @Test
    void anInterruptedCacheResumesWithTheSameBytes(@TempDir Path dir) throws Exception {
        TokenSource train = TokenSource.of(tokens(400, 40, 4));
        Teacher live = TrainEngineTeacher.forModel(teacherModel());
        TeacherCache.Layout layout = TeacherCache.layoutFor(train, SEQ, 6, 40, 5, "t");
        Path fresh = dir.resolve("fresh"), cut = dir.resolve("cut");
        TeacherCache.build(fresh, live, train, layout, 4, (d, n, reused) -> {});
        assertThatThrownBy(() -> TeacherCache.build(cut, live, train, layout, 4, (d, n, reused) -> {
            if (d == 3) throw new IllegalStateException("killed");
        })).hasMessage("killed");
        assertThatThrownBy(() -> TeacherCache.open(cut)).isInstanceOf(PithException.class).hasMessageContaining("shard-00003.bin");
        int[] reusedCount = {0};
        TeacherCache.build(cut, live, train, layout, 4, (d, n, reused) -> { if (reused) reusedCount[0]++; });
        assertThat(reusedCount[0]).isEqualTo(3);
        for (int s = 0; s < layout.shards(); s++)
            assertThat(Files.readAllBytes(TeacherCache.shardFile(cut, s))).isEqualTo(Files.readAllBytes(TeacherCache.shardFile(fresh, s)));
    }

    @Test
    void aCacheIsRefusedForOtherDataOrSettings(@TempDir Path dir) {
        TokenSource train = TokenSource.of(tokens(200, 40, 4)), other = TokenSource.of(tokens(200, 40, 9));
        Teacher live = TrainEngineTeacher.forModel(teacherModel());
        TeacherCache c = TeacherCache.build(dir, live, train, TeacherCache.layoutFor(train, SEQ, 4, 40, 8, "t"), 4, (d, n, reused) -> {});
        assertThatThrownBy(() -> c.checkFits(other, SEQ, 40)).isInstanceOf(PithException.class).hasMessageContaining(dir.toString()).hasMessageContaining("other training data");
        assertThatThrownBy(() -> c.checkFits(train, SEQ + 1, 40)).isInstanceOf(PithException.class).hasMessageContaining("--seq-len " + SEQ);
        assertThatThrownBy(() -> c.checkFits(train, SEQ, 41)).isInstanceOf(PithException.class).hasMessageContaining("vocabulary of 40");
        assertThatThrownBy(() -> TeacherCache.build(dir, live, other, TeacherCache.layoutFor(other, SEQ, 4, 40, 8, "t"), 4, (d, n, reused) -> {}))
                .isInstanceOf(PithException.class).hasMessageContaining("other data or settings");
        assertThatThrownBy(() -> TeacherCache.open(dir.resolve("nothing"))).isInstanceOf(PithException.class).hasMessageContaining("not a teacher cache");
    }

    /** A distillation run killed after a checkpoint and resumed ends with the uninterrupted run's weights. */
    @Test
    void aResumedDistillationEqualsTheUninterruptedOne(@TempDir Path dir) throws Exception {
        int[] all = tokens(700, 40, 3);
        TokenSource train = TokenSource.of(java.util.Arrays.copyOf(all, 600)), val = TokenSource.of(java.util.Arrays.copyOfRange(all, 600, 700));
        Teacher live = TrainEngineTeacher.forModel(teacherModel());
        Path a = Files.createDirectories(dir.resolve("a")), b = Files.createDirectories(dir.resolve("b"));
        Trainer full = student(live, train, val, 12);
        new TrainRun(full, new TrainRun.Settings(4, 2, 4, a)).run((s, l, tps) -> {});
        assertThatThrownBy(() -> new TrainRun(student(live, train, val, 12), new TrainRun.Settings(4, 2, 4, b)).run((s, l, tps) -> {
            if (s == 6) throw new IllegalStateException("killed");
        })).hasMessage("killed");
        Trainer second = student(live, train, val, 12);
        TrainRun resumed = new TrainRun(second, new TrainRun.Settings(4, 2, 4, b));
        assertThat(resumed.resume()).isEqualTo(4);
        resumed.run((s, l, tps) -> {});
        List<Param> pa = full.model().params(), pb = second.model().params();
        for (int i = 0; i < pa.size(); i++) assertThat(pb.get(i).w).as(pa.get(i).name()).containsExactly(pa.get(i).w);
    }

    /** The runtime and the training engine compute the same teacher. */
    @Test
    void runtimeAndTrainEngineTeachersAgree() {
        Model m = teacherModel();
        int[] in = tokens(2 * SEQ, 40, 6);
        float[] a = new float[2 * SEQ * 40], b = new float[a.length];
        new TrainEngineTeacher(m).logits(in, new long[] {0, SEQ}, 2, SEQ, a);
        new RuntimeTeacher(m).logits(in, new long[] {0, SEQ}, 2, SEQ, b);
        double scale = 0;
        for (float x : a) scale = Math.max(scale, Math.abs(x));
        for (int i = 0; i < a.length; i++) assertThat((double) b[i]).isCloseTo(a[i], within(1e-4 * scale));
    }

    /** Distilling (α = 1) moves the student towards the teacher: its KL to the teacher falls. */
    @Test
    void distillationLowersTheStudentsDivergenceFromTheTeacher() {
        TokenSource train = TokenSource.of(tokens(600, 40, 3));
        Teacher live = TrainEngineTeacher.forModel(teacherModel());
        LlamaTrainModel s = new LlamaTrainModel(STUDENT);
        s.initialize(new Rng(7));
        TrainOptions o = new TrainOptions(60, BATCH, SEQ, 1e-2, 1e-3, 2, LrSchedule.Decay.COSINE, 0.0, 0.9, 0.95, 1e-8, 1.0, 1, 21);
        Trainer t = new Trainer(s, o, train, null, new DistillBatchLoss(live, Divergence.parse("kl", 0.5, 0.1), 1, 1));
        double first = t.trainStep(), last = 0;
        for (int i = 1; i < 60; i++) last = t.trainStep();
        assertThat(first).isGreaterThan(0);
        assertThat(last).isLessThan(0.7 * first);
    }

    static double logSumExp(float[] z) {
        double max = Double.NEGATIVE_INFINITY, s = 0;
        for (float x : z) max = Math.max(max, x);
        for (float x : z) s += Math.exp(x - max);
        return max + Math.log(s);
    }
}
