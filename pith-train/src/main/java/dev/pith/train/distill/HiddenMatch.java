package dev.pith.train.distill;

import dev.pith.core.Parallel;
import dev.pith.core.PithException;
import dev.pith.train.HiddenStateLoss;
import dev.pith.train.Param;
import dev.pith.train.Rng;

import java.util.List;

/**
 * Hidden-state distillation: the student's state after block S, through a learned linear map P
 * (student width → teacher width), should equal the teacher's state after block T. Both states are
 * first RMS-normalised (divided by sqrt(mean(h²) + ε), no gain), because the two residual streams
 * live on unrelated scales (the teacher's grows with its depth and width) and every block reads its
 * input through an RMSNorm anyway: what carries meaning is the direction. Per position and pair:
 *
 * <pre>  u = h_s / rms(h_s),  v = h_t / rms(h_t),  e = P·u − v,  loss = mean_j e_j²</pre>
 *
 * averaged over positions and pairs and multiplied by the weight. P is a trainable parameter of
 * the run (in the optimizer and the checkpoint) but not of the student, so it is never exported.
 * It starts as the identity when the widths are equal, else small and seeded, N(0, (0.1/√d_s)²):
 * its output then starts at a tenth of the target's scale, so a random map does not push the
 * student's blocks hard before it has learned something.
 */
public final class HiddenMatch {
    static final double EPS = 1e-6;
    private final LayerMap map;
    private final Param[] proj;
    private final double weight;
    private final int sDim, tDim;

    public HiddenMatch(LayerMap map, int studentDim, int teacherDim, double weight, long seed) {
        if (!(weight >= 0) || Double.isInfinite(weight)) throw new PithException("--hidden-weight must be a finite number ≥ 0, got " + weight + ".");
        if (map.size() == 0) throw new PithException("--layer-map names no block pairs.");
        this.map = map;
        this.weight = weight;
        this.sDim = studentDim;
        this.tDim = teacherDim;
        proj = new Param[map.size()];
        for (int i = 0; i < proj.length; i++) {
            Param p = new Param("distill.proj." + map.student()[i] + "_" + map.teacher()[i] + ".weight", teacherDim, studentDim, false);
            if (studentDim == teacherDim) {
                for (int j = 0; j < teacherDim; j++) p.w[j * studentDim + j] = 1f;
            } else {
                Rng r = new Rng(seed * 0x9E3779B97F4A7C15L + 0x51ED27L + i);
                double std = 0.1 / Math.sqrt(studentDim);
                for (int j = 0; j < p.w.length; j++) p.w[j] = (float) (r.nextGaussian() * std);
            }
            proj[i] = p;
        }
    }

    public LayerMap map() { return map; }
    public double weight() { return weight; }

    /** The projections, one per pair (teacher width rows × student width columns), for the optimizer. */
    public List<Param> projections() { return List.of(proj); }

    /** The loss of one batch against the teacher's states after the mapped teacher blocks ({@code teacher[i]}: n × teacher width). */
    public HiddenStateLoss against(float[][] teacher) {
        return new HiddenStateLoss() {
            @Override public int[] layers() { return map.student(); }

            @Override
            public double lossAndGradient(float[][] states, float[][] grads, int n, int dim, float scale) {
                if (dim != sDim) throw new IllegalArgumentException("student width " + dim + ", projection built for " + sDim);
                double total = 0;
                double c = weight * scale / ((double) n * proj.length);
                for (int i = 0; i < proj.length; i++) total += pair(proj[i], states[i], teacher[i], grads[i], n, c);
                return weight * total / ((double) n * proj.length);
            }
        };
    }

    /**
     * One pair over n positions: returns the summed row losses, writes c·d(row loss)/dh_s to
     * {@code grad} and adds c·d/dP to P's gradient. Rows run in parallel; P's gradient is then a
     * product over rows computed per output row, so the sums do not depend on the thread count.
     */
    private double pair(Param p, float[] hs, float[] ht, float[] grad, int n, double c) {
        double[] pw = new double[p.w.length];
        for (int j = 0; j < pw.length; j++) pw[j] = p.w[j];
        double[] us = new double[n * sDim], es = new double[n * tDim], rowLoss = new double[n];
        Parallel.forRange(n, 16, (from, to) -> {
            double[] h = new double[sDim], t = new double[tDim], u = new double[sDim], e = new double[tDim], gh = new double[sDim];
            for (int r = from; r < to; r++) {
                for (int k = 0; k < sDim; k++) h[k] = hs[r * sDim + k];
                for (int j = 0; j < tDim; j++) t[j] = ht[r * tDim + j];
                rowLoss[r] = row(pw, h, t, u, e, gh);
                for (int k = 0; k < sDim; k++) grad[r * sDim + k] = (float) (c * gh[k]);
                System.arraycopy(u, 0, us, r * sDim, sDim);
                System.arraycopy(e, 0, es, r * tDim, tDim);
            }
        });
        if (p.g != null) {
            double k2 = c * 2.0 / tDim;
            Parallel.forRange(tDim, 4, (from, to) -> {
                double[] acc = new double[sDim];
                for (int j = from; j < to; j++) {
                    java.util.Arrays.fill(acc, 0);
                    for (int r = 0; r < n; r++) {
                        double ej = es[r * tDim + j];
                        for (int k = 0; k < sDim; k++) acc[k] += ej * us[r * sDim + k];
                    }
                    for (int k = 0; k < sDim; k++) p.g[j * sDim + k] += (float) (k2 * acc[k]);
                }
            });
        }
        double sum = 0;
        for (double l : rowLoss) sum += l;
        return sum;
    }

    /**
     * One position in double: the loss mean_j (P·u − v)_j², leaving u = h_s/rms(h_s), e = P·u − v
     * and gradH = d loss/d h_s (d loss/dP is (2/d_t)·e·uᵀ). P is d_t × d_s, row-major.
     */
    static double row(double[] p, double[] hs, double[] ht, double[] u, double[] e, double[] gradH) {
        int ds = hs.length, dt = ht.length;
        double rs = rms(hs), rt = rms(ht), loss = 0;
        for (int k = 0; k < ds; k++) u[k] = hs[k] / rs;
        for (int j = 0; j < dt; j++) {
            double s = 0;
            for (int k = 0; k < ds; k++) s += p[j * ds + k] * u[k];
            e[j] = s - ht[j] / rt;
            loss += e[j] * e[j];
        }
        // g = dL/du = (2/d_t)·Pᵀe; through u = h/r with dr/dh = h/(d_s·r): dL/dh = g/r − h·(h·g)/(d_s·r³)
        java.util.Arrays.fill(gradH, 0);
        for (int j = 0; j < dt; j++) {
            double ej = 2 * e[j] / dt;
            for (int k = 0; k < ds; k++) gradH[k] += p[j * ds + k] * ej;
        }
        double hg = 0;
        for (int k = 0; k < ds; k++) hg += hs[k] * gradH[k];
        for (int k = 0; k < ds; k++) gradH[k] = gradH[k] / rs - hs[k] * hg / (ds * rs * rs * rs);
        return loss / dt;
    }

    static double rms(double[] h) {
        double s = 0;
        for (double x : h) s += x * x;
        return Math.sqrt(s / h.length + EPS);
    }
}
