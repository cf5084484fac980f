package dev.pith.train.distill;

import dev.pith.core.PithException;
import dev.pith.train.CrossEntropy;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Each divergence against its definition evaluated by hand, its gradient against central finite
 * differences of the whole distillation loss, and the properties every divergence must have.
 */
class DivergenceTest {
    static final List<Divergence> ALL = List.of(Divergence.parse("kl", 0.5, 0.1), Divergence.parse("rkl", 0.5, 0.1),
            Divergence.parse("jsd", 0.5, 0.1), Divergence.parse("jsd", 0.9, 0.1), Divergence.parse("skl", 0.5, 0.1),
            Divergence.parse("skl", 0.5, 0.3));

    /** Teacher logits (0, ln 3) give p = (1/4, 3/4); student logits (0, 0) give q = (1/2, 1/2). */
    @Test
    void twoTokenValuesEqualTheClosedForms() {
        double[] lp = {Math.log(0.25), Math.log(0.75)}, lq = {Math.log(0.5), Math.log(0.5)}, g = new double[2];
        assertThat(new Divergence(Divergence.Kind.KL, 0).row(lp, lq, g)).isCloseTo(0.25 * Math.log(0.5) + 0.75 * Math.log(1.5), within(1e-15));
        assertThat(new Divergence(Divergence.Kind.RKL, 0).row(lp, lq, g)).isCloseTo(0.5 * Math.log(2) + 0.5 * Math.log(2.0 / 3), within(1e-15));
        // m = (3/8, 5/8)
        double jsd = 0.5 * (0.25 * Math.log(2.0 / 3) + 0.75 * Math.log(6.0 / 5)) + 0.5 * (0.5 * Math.log(4.0 / 3) + 0.5 * Math.log(4.0 / 5));
        assertThat(new Divergence(Divergence.Kind.JSD, 0.5).row(lp, lq, g)).isCloseTo(jsd, within(1e-15));
        // m = 0.1 p + 0.9 q = (0.475, 0.525)
        double skl = 0.25 * Math.log(0.25 / 0.475) + 0.75 * Math.log(0.75 / 0.525);
        assertThat(new Divergence(Divergence.Kind.SKL, 0.1).row(lp, lq, g)).isCloseTo(skl, within(1e-15));
    }

    /** The definitions written out plainly (probabilities by exp/sum, no log-space tricks) on random rows. */
    @Test
    void valuesEqualTheDefinitionsOnRandomRows() {
        Random r = new Random(5);
        for (int trial = 0; trial < 20; trial++) {
            int v = 2 + r.nextInt(30);
            double[] zt = randomRow(r, v, 3), zs = randomRow(r, v, 3);
            double[] p = softmax(zt), q = softmax(zs);
            double kl = 0, rkl = 0, jsd = 0, skl = 0, beta = 0.3, skew = 0.2;
            for (int j = 0; j < v; j++) {
                kl += p[j] * Math.log(p[j] / q[j]);
                rkl += q[j] * Math.log(q[j] / p[j]);
                double m = beta * p[j] + (1 - beta) * q[j];
                jsd += beta * p[j] * Math.log(p[j] / m) + (1 - beta) * q[j] * Math.log(q[j] / m);
                skl += p[j] * Math.log(p[j] / (skew * p[j] + (1 - skew) * q[j]));
            }
            double[] lp = log(p), lq = log(q), g = new double[v];
            assertThat(Divergence.parse("kl", beta, skew).row(lp, lq, g)).isCloseTo(kl, within(1e-12));
            assertThat(Divergence.parse("rkl", beta, skew).row(lp, lq, g)).isCloseTo(rkl, within(1e-12));
            assertThat(Divergence.parse("jsd", beta, skew).row(lp, lq, g)).isCloseTo(jsd, within(1e-12));
            assertThat(Divergence.parse("skl", beta, skew).row(lp, lq, g)).isCloseTo(skl, within(1e-12));
        }
    }

    /** The whole loss ((1−α)·CE + α·τ²·D) differentiated numerically with respect to the student logits. */
    @Test
    void gradientsEqualFiniteDifferences() {
        Random r = new Random(9);
        for (Divergence d : ALL) {
            for (double tau : new double[] {1, 2.5}) {
                for (double alpha : new double[] {1, 0.4}) {
                    int v = 17;
                    double[] zs = randomRow(r, v, 2), zt = randomRow(r, v, 2), g = new double[v];
                    DistillLoss loss = new DistillLoss(d, alpha, tau, new float[0]);
                    int target = r.nextInt(v);
                    loss.row(zs, zt, target, g);
                    double scale = 0, worst = 0, h = 1e-5;
                    double[] num = new double[v];
                    for (int j = 0; j < v; j++) {
                        double old = zs[j];
                        zs[j] = old + h;
                        double fp = loss.row(zs, zt, target, new double[v]);
                        zs[j] = old - h;
                        double fm = loss.row(zs, zt, target, new double[v]);
                        zs[j] = old;
                        num[j] = (fp - fm) / (2 * h);
                        scale = Math.max(scale, Math.abs(num[j]));
                    }
                    for (int j = 0; j < v; j++) worst = Math.max(worst, Math.abs(num[j] - g[j]));
                    assertThat(scale).as("%s τ=%s α=%s gradient not trivially zero", d, tau, alpha).isGreaterThan(1e-3);
                    assertThat(worst / scale).as("%s τ=%s α=%s", d, tau, alpha).isLessThan(1e-7);
                }
            }
        }
    }

    @Test
    void kullbackLeiblerOfADistributionWithItselfIsZero() {
        double[] lp = log(softmax(randomRow(new Random(1), 50, 4))), g = new double[50];
        for (Divergence d : ALL) {
            assertThat(d.row(lp, lp, g)).as("%s", d).isCloseTo(0, within(1e-14));
            for (double x : g) assertThat(x).as("%s gradient at p = q", d).isCloseTo(0, within(1e-14));
        }
    }

    /** With α = 0 the loss is the data's cross-entropy and matches the trainer's own fused kernel. */
    @Test
    void alphaZeroIsCrossEntropyAndBatchPathMatchesRows() {
        Random r = new Random(3);
        int n = 6, v = 23;
        float[] zs = new float[n * v], zt = new float[n * v];
        int[] tg = new int[n];
        for (int i = 0; i < zs.length; i++) {
            zs[i] = (float) r.nextGaussian();
            zt[i] = (float) (2 * r.nextGaussian());
        }
        for (int i = 0; i < n; i++) tg[i] = r.nextInt(v);
        float[] a = zs.clone(), b = zs.clone();
        double ce = CrossEntropy.forwardBackward(a, tg, n, v, 1f);
        double d0 = new DistillLoss(ALL.get(0), 0, 2, zt).lossAndGradient(b, tg, n, v, 1f);
        assertThat(d0).isCloseTo(ce, within(1e-6));
        for (int i = 0; i < a.length; i++) assertThat(b[i]).isCloseTo(a[i], within(1e-7f));

        DistillLoss mixed = new DistillLoss(ALL.get(2), 0.7, 1.5, zt);
        float[] c = zs.clone();
        double batch = mixed.lossAndGradient(c, tg, n, v, 0.5f), sum = 0;
        for (int i = 0; i < n; i++) {
            double[] g = new double[v];
            sum += mixed.row(rowOf(zs, i, v), rowOf(zt, i, v), tg[i], g);
            for (int j = 0; j < v; j++) assertThat((double) c[i * v + j]).isCloseTo(g[j] * 0.5 / n, within(1e-7));
        }
        assertThat(batch).isCloseTo(sum / n, within(1e-12));
    }

    @Test
    void impossibleSettingsAreRefused() {
        assertThatThrownBy(() -> Divergence.parse("tvd", 0.5, 0.1)).isInstanceOf(PithException.class).hasMessageContaining("kl, rkl, jsd or skl");
        assertThatThrownBy(() -> Divergence.parse("jsd", 1, 0.1)).isInstanceOf(PithException.class).hasMessageContaining("β");
        assertThatThrownBy(() -> new DistillLoss(ALL.get(0), 1.5, 1, new float[0])).isInstanceOf(PithException.class).hasMessageContaining("--alpha");
        assertThatThrownBy(() -> new DistillLoss(ALL.get(0), 0.5, 0, new float[0])).isInstanceOf(PithException.class).hasMessageContaining("--temperature");
    }

    @Property(tries = 200)
    void everyDivergenceIsNonNegativeZeroOnlyAtEqualityAndShiftInvariant(@ForAll("rows") double[] zt, @ForAll("rows") double[] zs,
                                                                         @ForAll @DoubleRange(min = -20, max = 20) double shift) {
        int v = Math.min(zt.length, zs.length);
        double[] lp = log(softmax(java.util.Arrays.copyOf(zt, v))), lq = log(softmax(java.util.Arrays.copyOf(zs, v)));
        double[] shifted = java.util.Arrays.copyOf(zs, v);
        for (int j = 0; j < v; j++) shifted[j] += shift;
        double[] lqs = log(softmax(shifted));
        for (Divergence d : ALL) {
            double[] g = new double[v];
            double x = d.row(lp, lq, g);
            assertThat(x).as("%s ≥ 0", d).isGreaterThanOrEqualTo(-1e-12);
            assertThat(d.row(lp, lqs, new double[v])).as("%s does not change when every logit moves by the same amount", d).isCloseTo(x, within(1e-9 + 1e-9 * x));
            double sum = 0;
            for (double y : g) sum += y;
            assertThat(sum).as("%s: the softmax gradient sums to zero", d).isCloseTo(0, within(1e-9));
            assertThat(d.row(lq, lq, g)).as("%s(q, q)", d).isCloseTo(0, within(1e-12));
        }
    }

    @Provide
    Arbitrary<double[]> rows() {
        return Arbitraries.doubles().between(-8, 8).array(double[].class).ofMinSize(2).ofMaxSize(40);
    }

    static double[] randomRow(Random r, int v, double spread) {
        double[] z = new double[v];
        for (int j = 0; j < v; j++) z[j] = r.nextGaussian() * spread;
        return z;
    }

    static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double x : z) max = Math.max(max, x);
        double[] p = new double[z.length];
        for (int j = 0; j < z.length; j++) sum += p[j] = Math.exp(z[j] - max);
        for (int j = 0; j < z.length; j++) p[j] /= sum;
        return p;
    }

    static double[] log(double[] p) {
        double[] l = new double[p.length];
        for (int j = 0; j < p.length; j++) l[j] = Math.log(p[j]);
        return l;
    }

    static double[] rowOf(float[] flat, int i, int v) {
        double[] r = new double[v];
        for (int j = 0; j < v; j++) r[j] = flat[i * v + j];
        return r;
    }
}
