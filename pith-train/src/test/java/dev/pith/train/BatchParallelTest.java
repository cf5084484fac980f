package dev.pith.train;

import dev.pith.core.Parallel;
import dev.pith.model.ModelConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Batch-parallel training (each thread runs whole sequences on a replica, gradients summed in share
 * order) gives the per-operation path's loss and gradients within float rounding, the same bits on
 * every run, and is chosen only where it applies.
 */
class BatchParallelTest {
    // 3 layers, grouped-query heads (4 over 2), untied head, a sequence (13) that is no multiple of any
    // tile, 5 sequences: shares of unequal sizes on two threads
    private static final ModelConfig CONFIG = Presets.config(32, 3, 4, 2, 72, 41, 16, 10000f, 1e-5f, false);
    private static final int B = 5, T = 13;
    private static int threadsBefore;

    @BeforeAll
    static void twoThreads() {
        threadsBefore = Parallel.threads();
        Parallel.setThreads(2);
    }

    @AfterAll
    static void restore() { Parallel.setThreads(threadsBefore); }

    private static LlamaTrainModel model(LlamaTrainModel.Parallelism p) {
        LlamaTrainModel m = new LlamaTrainModel(CONFIG);
        m.initialize(new Rng(5));
        m.setParallelism(p);
        return m;
    }

    private static int[] tokens(long seed, boolean withIgnored) {
        Rng r = new Rng(seed);
        int[] t = new int[B * T];
        for (int i = 0; i < t.length; i++) t[i] = (int) r.nextLong(CONFIG.vocabSize());
        // prompt-style ignored targets, more in the first sequence than the others: shares count differently
        if (withIgnored) for (int i = 0; i < 9; i++) t[i < 6 ? i : T + i] = CrossEntropy.IGNORE;
        return t;
    }

    /** Largest |a − b| over the tensor, relative to the tensor's largest |a|. */
    private static double relativeError(float[] a, float[] b) {
        double scale = 0, worst = 0;
        for (float v : a) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        return worst / scale;
    }

    @Test
    void sameLossAndGradientsAsPerOperationWithinRounding() {
        LlamaTrainModel ops = model(LlamaTrainModel.Parallelism.OPS), batch = model(LlamaTrainModel.Parallelism.BATCH);
        assertThat(ops.batchParallel(B, T)).isFalse();
        assertThat(batch.batchParallel(B, T)).isTrue();
        int[] in = tokens(1, false), tg = tokens(2, true);
        // two micro-batches of half weight each: the replicas' buffers are cleared between them, the model's accumulate
        double l1 = 0, l2 = 0;
        for (int k = 0; k < 2; k++) {
            l1 += ops.forwardBackward(in, tg, B, T, 0.5f);
            l2 += batch.forwardBackward(in, tg, B, T, 0.5f);
        }
        assertThat(Math.abs(l2 - l1) / l1).as("loss %s vs %s", l2, l1).isLessThan(1e-6);
        for (int i = 0; i < ops.params().size(); i++) {
            Param p = ops.params().get(i), q = batch.params().get(i);
            assertThat(relativeError(p.g, q.g)).as(p.name()).isLessThan(1e-5);
        }
        double e1 = ops.loss(in, tg, B, T), e2 = batch.loss(in, tg, B, T);
        assertThat(Math.abs(e2 - e1) / e1).as("evaluation loss %s vs %s", e2, e1).isLessThan(1e-6);
    }

    @Test
    void sameBitsOnEveryRunWithTheSameThreadCount() {
        LlamaTrainModel a = model(LlamaTrainModel.Parallelism.BATCH), b = model(LlamaTrainModel.Parallelism.BATCH);
        int[] in = tokens(3, false), tg = tokens(4, true);
        for (int step = 0; step < 3; step++) {
            a.zeroGrad();
            b.zeroGrad();
            assertThat(b.forwardBackward(in, tg, B, T, 1f)).isEqualTo(a.forwardBackward(in, tg, B, T, 1f));
            for (int i = 0; i < a.params().size(); i++)
                assertThat(b.params().get(i).g).as(a.params().get(i).name()).containsExactly(a.params().get(i).g);
        }
    }

    @Test
    void trainingStepsFollowThePerOperationRun() {
        // a few full optimizer steps: the weights the replicas share move with the model's
        TrainOptions o = new TrainOptions(4, B, T, 1e-2, 1e-3, 1, LrSchedule.Decay.COSINE, 0.1, 0.9, 0.99, 1e-8, 1.0, 1, 7);
        int[] data = new int[2000];
        Rng r = new Rng(9);
        for (int i = 0; i < data.length; i++) data[i] = (int) r.nextLong(CONFIG.vocabSize());
        Trainer ops = new Trainer(model(LlamaTrainModel.Parallelism.OPS), o, TokenSource.of(data), null);
        Trainer batch = new Trainer(model(LlamaTrainModel.Parallelism.BATCH), o, TokenSource.of(data), null);
        double first = 0, last = 0;
        for (int s = 0; s < 4; s++) {
            double l1 = ops.trainStep(), l2 = batch.trainStep();
            assertThat(Math.abs(l2 - l1)).as("step %d: %s vs %s", s, l2, l1).isLessThan(1e-4);
            if (s == 0) first = l1;
            last = l1;
        }
        assertThat(last).isLessThan(first);
    }

    @Test
    void autoSplitsSmallProductsOnlyAndNeverAModelWithAdapters() {
        LlamaTrainModel small = model(LlamaTrainModel.Parallelism.AUTO);
        assertThat(small.batchParallel(B, T)).isTrue();
        assertThat(small.batchParallel(1, T)).as("one sequence").isFalse();
        // 1,024 tokens per thread × 384² per product: above AUTO's threshold
        ModelConfig wide = Presets.config(384, 1, 6, 6, 64, 16, 256, 10000f, 1e-5f, true);
        assertThat(new LlamaTrainModel(wide).batchParallel(8, 256)).isFalse();
        assertThat(new LlamaTrainModel(wide).batchParallel(2, 32)).isTrue();
        small.linear("blk.1.ffn_up.weight").setAdapter(new Linear.Adapter() {
            public void forward(float[] x, float[] y, int n) {}
            public void backward(float[] dy, float[] dx, int n) {}
        });
        small.setParallelism(LlamaTrainModel.Parallelism.BATCH);
        assertThat(small.batchParallel(B, T)).isFalse();
    }
}
