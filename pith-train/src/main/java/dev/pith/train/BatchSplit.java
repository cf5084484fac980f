package dev.pith.train;

import dev.pith.core.Parallel;

import java.util.List;

/**
 * Batch-parallel training: the sequences of a micro-batch are split into contiguous shares, and a
 * thread runs forward and backward for a whole share, start to end, with the share's own activation
 * and gradient buffers (a {@link LlamaTrainModel#replica replica} sharing the weights). There are a
 * few shares per thread ({@link #SHARES_PER_THREAD}), taken from a counter as threads come free:
 * on a machine shared with other work a thread that loses its core for a while holds up the step
 * by one small share, not by half the batch. The per-operation scheme instead splits every matrix product and element-wise pass
 * over the threads: on a small model (nanoGPT's 128-wide shakespeare-char) each of those loops is a
 * few microseconds of work, so the hand-offs between threads cost more than they save; here a step
 * has two hand-offs (the shares, then the gradient sum) whatever the depth of the model.
 *
 * <p>Share 0 is the model itself (its gradient adds straight into the model's buffers); the others'
 * gradients are then added into the model's in share order, element by element, so the result is
 * the same bit for bit on every run with the same number of threads (which thread runs which share
 * does not matter: a share's arithmetic is serial, and the split depends only on the batch and the
 * thread count). Another thread count splits and sums differently and so differs within float
 * rounding, as any other batch split would.
 *
 * <p>Shares run on {@link ShareThreads}, which wait parked rather than spinning; the layers' loops
 * run serially there ({@link ShareThreads#forRange}), and every kernel computes each element in the
 * same order whether split or not.
 */
final class BatchSplit {
    /** Shares per thread: enough to rebalance when a thread stalls, few enough that each share's products stay efficient and the extra gradient buffers small. */
    static final int SHARES_PER_THREAD = 3;

    private final LlamaTrainModel main;
    private final LlamaTrainModel[] replicas;
    private final int shares;
    private int[][] inputs = new int[0][], targets = new int[0][];

    /** The number of shares for b sequences on this many threads. */
    static int sharesFor(int b, int threads) { return Math.min(b, SHARES_PER_THREAD * threads); }

    BatchSplit(LlamaTrainModel main, int shares) {
        this.main = main;
        this.shares = shares;
        this.replicas = new LlamaTrainModel[shares - 1];
        for (int i = 0; i < replicas.length; i++) replicas[i] = main.replica();
    }

    int shares() { return shares; }

    LlamaTrainModel[] replicas() { return replicas; }

    private LlamaTrainModel model(int share) { return share == 0 ? main : replicas[share - 1]; }

    /** First sequence of share {@code s} of {@code b} (contiguous shares, sizes differing by at most one). */
    private int start(int s, int b) { return (int) ((long) b * s / shares); }

    private void slice(int[] in, int[] tg, int b, int t) {
        if (inputs.length != shares || inputs[0].length != (b / shares + 1) * t) {
            inputs = new int[shares][(b / shares + 1) * t];
            targets = new int[shares][(b / shares + 1) * t];
        }
        for (int s = 0; s < shares; s++) {
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
     * Cross-entropy forward and backward of b sequences split into the shares; gradients of
     * loss·scale add to the model's. Each share's mean is weighted by its counted targets, so the
     * loss and gradients are those of the whole batch's mean (ignored targets included).
     */
    double forwardBackward(int[] in, int[] tg, int b, int t, float scale) {
        return acrossShares(in, tg, b, t, (s, bs, counted, total) -> {
            LlamaTrainModel m = model(s);
            if (s > 0) m.zeroGrad();
            float shareScale = total == 0 ? 0f : scale * counted / total;
            return m.forwardBackwardOps(inputs[s], targets[s], bs, t, shareScale, LossFunction.CROSS_ENTROPY);
        }, true);
    }

    /** Mean cross-entropy of b sequences split into the shares (evaluation, no gradients). */
    double loss(int[] in, int[] tg, int b, int t) {
        return acrossShares(in, tg, b, t, (s, bs, counted, total) -> model(s).lossOps(inputs[s], targets[s], bs, t), false);
    }

    /** One share's mean loss over its bs sequences, of which {@code counted} targets count out of the batch's {@code total}. */
    private interface ShareLoss {
        double run(int share, int bs, int counted, int total);
    }

    /** Runs every share on its thread and returns the batch mean (each share's mean weighted by its counted targets). */
    private double acrossShares(int[] in, int[] tg, int b, int t, ShareLoss body, boolean sumGradients) {
        slice(in, tg, b, t);
        int total = counted(tg, 0, b * t);
        double[] loss = new double[shares];
        ShareThreads.get().run(shares, s -> {
            int bs = start(s + 1, b) - start(s, b);
            int c = counted(tg, start(s, b) * t, start(s + 1, b) * t);
            loss[s] = body.run(s, bs, c, total) * c;
        });
        if (sumGradients) sumGradients();
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
