package dev.pith.train;

import dev.pith.core.Parallel;

import java.util.List;

/**
 * Batch-parallel training: the sequences of a micro-batch are split into one contiguous share per
 * worker, and each worker runs forward and backward for its share on its own thread, start to end,
 * with its own activation and gradient buffers (a {@link LlamaTrainModel#replica replica} sharing
 * the weights). The per-operation scheme instead splits every matrix product and element-wise pass
 * over the threads: on a small model (nanoGPT's 128-wide shakespeare-char) each of those loops is a
 * few microseconds of work, so the hand-offs between threads cost more than they save; here a step
 * has two hand-offs (the shares, then the gradient sum) whatever the depth of the model.
 *
 * <p>Worker 0 is the model itself (its share's gradient adds straight into its buffers); the
 * others' gradients are then added into the model's in worker order, element by element, so the
 * result is the same bit for bit on every run with the same number of workers (which thread runs
 * which share does not matter: a share's arithmetic is serial). A different number of workers sums
 * in a different order and so differs within float rounding, as it would with another batch split.
 *
 * <p>Inside a share the layers still call {@link Parallel}; the pool is busy with the shares, so
 * those nested loops run on the calling thread (WorkerPool's documented behaviour), and every
 * kernel computes each element in the same order whether split or not.
 */
final class BatchSplit {
    private final LlamaTrainModel main;
    private final LlamaTrainModel[] replicas;
    private final int workers;
    private int[][] inputs = new int[0][], targets = new int[0][];

    BatchSplit(LlamaTrainModel main, int workers) {
        this.main = main;
        this.workers = workers;
        this.replicas = new LlamaTrainModel[workers - 1];
        for (int i = 0; i < replicas.length; i++) replicas[i] = main.replica();
    }

    int workers() { return workers; }

    LlamaTrainModel[] replicas() { return replicas; }

    private LlamaTrainModel model(int share) { return share == 0 ? main : replicas[share - 1]; }

    /** First sequence of share {@code s} of {@code b} (contiguous shares, sizes differing by at most one). */
    private int start(int s, int b) { return (int) ((long) b * s / workers); }

    private void slice(int[] in, int[] tg, int b, int t) {
        if (inputs.length != workers || inputs[0].length != (b / workers + 1) * t) {
            inputs = new int[workers][(b / workers + 1) * t];
            targets = new int[workers][(b / workers + 1) * t];
        }
        for (int s = 0; s < workers; s++) {
            int from = start(s, b) * t, len = start(s + 1, b) * t - from;
            System.arraycopy(in, from, inputs[s], 0, len);
            System.arraycopy(tg, from, targets[s], 0, len);
        }
    }

    private static int counted(int[] tg, int from, int to) {
        int c = 0;
        for (int i = from; i < to; i++) if (tg[i] != CrossEntropy.IGNORE) c++;
        return c;
    }

    /**
     * Cross-entropy forward and backward of b sequences split over the workers; gradients of
     * loss·scale add to the model's. Each share's mean is weighted by its counted targets, so the
     * loss and gradients are those of the whole batch's mean (ignored targets included).
     */
    double forwardBackward(int[] in, int[] tg, int b, int t, float scale) {
        slice(in, tg, b, t);
        int total = counted(tg, 0, b * t);
        double[] loss = new double[workers];
        Parallel.forChunks(workers, workers, (lo, hi) -> {
            for (int s = lo; s < hi; s++) {
                int bs = start(s + 1, b) - start(s, b);
                int c = counted(tg, start(s, b) * t, start(s + 1, b) * t);
                LlamaTrainModel m = model(s);
                if (s > 0) m.zeroGrad();
                float shareScale = total == 0 ? 0f : scale * c / total;
                loss[s] = m.forwardBackwardOps(inputs[s], targets[s], bs, t, shareScale, LossFunction.CROSS_ENTROPY) * c;
            }
        });
        sumGradients();
        double sum = 0;
        for (double l : loss) sum += l;
        return total == 0 ? 0 : sum / total;
    }

    /** Mean cross-entropy of b sequences split over the workers (evaluation, no gradients). */
    double loss(int[] in, int[] tg, int b, int t) {
        slice(in, tg, b, t);
        int total = counted(tg, 0, b * t);
        double[] loss = new double[workers];
        Parallel.forChunks(workers, workers, (lo, hi) -> {
            for (int s = lo; s < hi; s++) {
                int bs = start(s + 1, b) - start(s, b);
                int c = counted(tg, start(s, b) * t, start(s + 1, b) * t);
                loss[s] = model(s).lossOps(inputs[s], targets[s], bs, t) * c;
            }
        });
        double sum = 0;
        for (double l : loss) sum += l;
        return total == 0 ? 0 : sum / total;
    }

    /** model.g += replica 1's g + replica 2's g + … in that order, split over threads by parameter. */
    private void sumGradients() {
        List<Param> mine = main.params();
        List<List<Param>> theirs = new java.util.ArrayList<>();
        for (LlamaTrainModel r : replicas) theirs.add(r.params());
        Parallel.forRange(mine.size(), 1, (from, to) -> {
            for (int p = from; p < to; p++) {
                float[] g = mine.get(p).g;
                if (g == null) continue;
                for (List<Param> other : theirs) {
                    float[] o = other.get(p).g;
                    for (int i = 0; i < g.length; i++) g[i] += o[i];
                }
            }
        });
    }
}
