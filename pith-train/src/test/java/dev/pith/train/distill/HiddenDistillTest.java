package dev.pith.train.distill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.train.HiddenStateLoss;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.LossFunction;
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

import static dev.pith.train.distill.TeacherCacheTest.SEQ;
import static dev.pith.train.distill.TeacherCacheTest.TEACHER;
import static dev.pith.train.distill.TeacherCacheTest.teacherModel;
import static dev.pith.train.distill.TeacherCacheTest.tokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Hidden-state distillation inside training: gradients through the student's blocks, both teacher engines, resume. */
class HiddenDistillTest {
    static final ModelConfig STUDENT = new ModelConfig("llama", 16, 2, 2, 2, 8, 32, 40, 32, 1e-5f, 10000f, 8, false, null, true);

    /** A loss with nothing on the logits, so the gradients below come from the hidden states alone. */
    static LossFunction hiddenOnly(HiddenStateLoss h) {
        return new LossFunction() {
            @Override public double lossAndGradient(float[] logits, int[] targets, int n, int vocab, float scale) {
                java.util.Arrays.fill(logits, 0, n * vocab, 0f);
                return 0;
            }
            @Override public HiddenStateLoss hidden() { return h; }
        };
    }

    /** Matching block 0's output reaches block 0 and the embedding, not block 1; every analytic gradient agrees with finite differences. */
    @Test
    void theHiddenGradientFlowsBackThroughTheStudentsBlocks() {
        LlamaTrainModel s = new LlamaTrainModel(STUDENT);
        s.initialize(new Rng(3));
        for (Param p : s.params()) for (int i = 0; i < p.w.length; i++) p.w[i] *= p.rows() == 1 ? 1 : 6;
        int b = 2, n = b * SEQ;
        int[] in = tokens(n, 40, 8), tg = tokens(n, 40, 9);
        LayerMap map = LayerMap.parse("0:0,1:1", 2, 2);
        HiddenMatch m = new HiddenMatch(map, 16, 24, 1.5, 4);
        float[][] teacher = {HiddenMatchTest.floats(HiddenMatchTest.gaussian(n * 24, 2, 40)), HiddenMatchTest.floats(HiddenMatchTest.gaussian(n * 24, 2, 41))};
        s.zeroGrad();
        double loss = s.forwardBackward(in, tg, b, SEQ, 1f, hiddenOnly(m.against(teacher)));
        assertThat(loss).isCloseTo(total(s, m, teacher, in, b), within(1e-9));

        for (String name : new String[] {"blk.0.attn_q.weight", "blk.0.ffn_down.weight", "blk.1.attn_v.weight", "blk.1.ffn_norm.weight", "token_embd.weight"}) {
            Param p = s.param(name);
            Integer[] idx = new Integer[p.g.length];
            for (int i = 0; i < idx.length; i++) idx[i] = i;
            java.util.Arrays.sort(idx, (x, y) -> Float.compare(Math.abs(p.g[y]), Math.abs(p.g[x])));
            assertThat(Math.abs(p.g[idx[0]])).as(name).isGreaterThan(1e-3f);
            for (int k = 0; k < 3; k++) {
                int i = idx[k];
                float keep = p.w[i], h = 2e-3f;
                p.w[i] = keep + h;
                double up = total(s, m, teacher, in, b);
                p.w[i] = keep - h;
                double down = total(s, m, teacher, in, b);
                p.w[i] = keep;
                double fd = (up - down) / (2 * h);
                assertThat((double) p.g[i]).as("%s[%d]", name, i).isCloseTo(fd, within(Math.max(0.03 * Math.abs(fd), 3e-4)));
            }
        }

        // only block 0's output matched: block 1 gets no gradient, blocks 0 and the embedding do
        HiddenMatch first = new HiddenMatch(LayerMap.parse("0:1", 2, 2), 16, 24, 1, 4);
        s.zeroGrad();
        s.forwardBackward(in, tg, b, SEQ, 1f, hiddenOnly(first.against(new float[][] {teacher[0]})));
        for (Param p : s.params()) {
            boolean reached = false;
            for (float g : p.g) reached |= g != 0;
            assertThat(reached).as(p.name()).isEqualTo(!p.name().startsWith("blk.1.") && !p.name().equals("output_norm.weight"));
        }
    }

    private static double total(LlamaTrainModel s, HiddenMatch m, float[][] teacher, int[] in, int b) {
        s.forward(in, b, SEQ);
        int[] layers = m.map().student();
        float[][] states = new float[layers.length][], grads = new float[layers.length][];
        for (int i = 0; i < layers.length; i++) {
            states[i] = s.hiddenState(layers[i]);
            grads[i] = new float[b * SEQ * 16];
        }
        List<Param> ps = m.projections();
        float[][] keep = new float[ps.size()][];
        for (int i = 0; i < ps.size(); i++) keep[i] = ps.get(i).g.clone();
        double l = m.against(teacher).lossAndGradient(states, grads, b * SEQ, 16, 1f);
        for (int i = 0; i < ps.size(); i++) System.arraycopy(keep[i], 0, ps.get(i).g, 0, keep[i].length);
        return l;
    }

    /** The runtime's observer and the training engine give the same teacher hidden states. */
    @Test
    void runtimeAndTrainEngineTeachersKeepTheSameHiddenStates() {
        Model model = teacherModel();
        int[] in = tokens(2 * SEQ, 40, 6);
        float[] la = new float[2 * SEQ * 40], lb = new float[la.length];
        Teacher a = new TrainEngineTeacher(model), b = new RuntimeTeacher(model);
        int[] blocks = {1, 0};
        a.keepHiddenStates(blocks);
        b.keepHiddenStates(blocks);
        a.logits(in, new long[] {0, SEQ}, 2, SEQ, la);
        b.logits(in, new long[] {0, SEQ}, 2, SEQ, lb);
        for (int i = 0; i < blocks.length; i++) {
            float[] ha = a.hiddenState(i), hb = b.hiddenState(i);
            assertThat(hb.length).isEqualTo(2 * SEQ * TEACHER.dim());
            double scale = 0;
            for (float x : ha) scale = Math.max(scale, Math.abs(x));
            assertThat(scale).isGreaterThan(0);
            for (int j = 0; j < hb.length; j++) assertThat((double) hb[j]).isCloseTo(ha[j], within(1e-4 * scale));
        }
    }

    @Test
    void aCacheCannotGiveHiddenStates(@TempDir Path dir) {
        TokenSource train = TokenSource.of(tokens(200, 40, 4));
        Teacher live = TrainEngineTeacher.forModel(teacherModel());
        TeacherCache c = TeacherCache.build(dir, live, train, TeacherCache.layoutFor(train, SEQ, 4, 40, 8, "t"), 4, (d, n, reused) -> {});
        HiddenMatch m = new HiddenMatch(LayerMap.spread(2, 2), 16, 32, 1, 1);
        assertThatThrownBy(() -> new DistillBatchLoss(c, Divergence.parse("kl", 0.5, 0.1), 0.5, 1).withHidden(m))
                .isInstanceOf(PithException.class).hasMessage("--hidden-loss matches the teacher's hidden states, which a --teacher-cache does not hold; give a live --teacher.");
    }

    static Trainer student(Teacher teacher, TokenSource train, TokenSource val, double alpha) {
        LlamaTrainModel s = new LlamaTrainModel(STUDENT);
        s.initialize(new Rng(7));
        HiddenMatch m = new HiddenMatch(LayerMap.spread(2, 2), 16, 32, 0.8, 21);
        for (Param p : m.projections()) s.addTrainable(p);
        TrainOptions o = new TrainOptions(12, 3, SEQ, 3e-3, 3e-4, 2, LrSchedule.Decay.COSINE, 0.1, 0.9, 0.95, 1e-8, 1.0, 1, 21);
        return new Trainer(s, o, train, val, new DistillBatchLoss(teacher, Divergence.parse("kl", 0.5, 0.1), alpha, 2.0).withHidden(m));
    }

    static ObjectNode settings(double alpha) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("loss", "kl");
        n.put("alpha", alpha);
        n.put("hidden_loss", "mse");
        return n;
    }

    /** A killed run with projections resumes to the uninterrupted run's student and projections; other settings are refused. */
    @Test
    void aResumedHiddenDistillationEqualsTheUninterruptedOne(@TempDir Path dir) throws Exception {
        int[] all = tokens(700, 40, 3);
        TokenSource train = TokenSource.of(java.util.Arrays.copyOf(all, 600)), val = TokenSource.of(java.util.Arrays.copyOfRange(all, 600, 700));
        Teacher live = TrainEngineTeacher.forModel(teacherModel());
        Path a = Files.createDirectories(dir.resolve("a")), b = Files.createDirectories(dir.resolve("b"));
        Trainer full = student(live, train, val, 0.5);
        List<Param> before = full.model().trainableParams();
        float[] p0 = before.get(before.size() - 1).w.clone();
        new TrainRun(full, new TrainRun.Settings(4, 2, 4, a)).recording(settings(0.5)).run((s, l, tps) -> {});
        assertThat(before.get(before.size() - 1).w).as("the projection learned").isNotEqualTo(p0);
        assertThatThrownBy(() -> new TrainRun(student(live, train, val, 0.5), new TrainRun.Settings(4, 2, 4, b)).recording(settings(0.5)).run((s, l, tps) -> {
            if (s == 6) throw new IllegalStateException("killed");
        })).hasMessage("killed");

        assertThatThrownBy(() -> new TrainRun(student(live, train, val, 0.9), new TrainRun.Settings(4, 2, 4, b)).recording(settings(0.9)).resume())
                .isInstanceOf(PithException.class)
                .hasMessage(b.resolve(TrainRun.CHECKPOINT) + " was written by a run with alpha 0.5, but this run has 0.9; resume with the same settings or choose another --out.");
        ObjectNode noHidden = settings(0.5).put("hidden_loss", "none");
        assertThatThrownBy(() -> new TrainRun(student(live, train, val, 0.5), new TrainRun.Settings(4, 2, 4, b)).recording(noHidden).resume())
                .isInstanceOf(PithException.class).hasMessageContaining("with hidden_loss mse, but this run has none");

        Trainer second = student(live, train, val, 0.5);
        TrainRun resumed = new TrainRun(second, new TrainRun.Settings(4, 2, 4, b)).recording(settings(0.5));
        assertThat(resumed.resume()).isEqualTo(4);
        resumed.run((s, l, tps) -> {});
        List<Param> pa = full.model().trainableParams(), pb = second.model().trainableParams();
        assertThat(pb).hasSize(full.model().params().size() + 2);
        for (int i = 0; i < pa.size(); i++) assertThat(pb.get(i).w).as(pa.get(i).name()).containsExactly(pa.get(i).w);
        // the projections are the run's, not the student's: export holds the student's tensors only
        assertThat(ModelBridge.toModel(second.model(), null, Path.of("s")).tensors().keySet()).noneMatch(k -> k.startsWith("distill."));
    }
}
