package dev.pith.train.distill;

import dev.pith.core.PithException;
import dev.pith.train.HiddenStateLoss;
import dev.pith.train.Param;
import dev.pith.train.Rng;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Hidden-state MSE through a projection: its gradients against finite differences, the batch form against the rows, the layer map. */
class HiddenMatchTest {
    static double[] gaussian(int n, double std, long seed) {
        Rng r = new Rng(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = r.nextGaussian() * std;
        return x;
    }

    /** d loss/d h_s and d loss/dP = (2/d_t)·e·uᵀ against central differences of the row loss, in double. */
    @Test
    void rowGradientsMatchFiniteDifferences() {
        for (int[] dims : new int[][] {{3, 5}, {6, 6}, {7, 2}}) {
            int ds = dims[0], dt = dims[1];
            double[] p = gaussian(dt * ds, 0.7, 1 + ds), hs = gaussian(ds, 2.5, 2 + dt), ht = gaussian(dt, 40, 3);
            double[] u = new double[ds], e = new double[dt], gh = new double[ds];
            HiddenMatch.row(p, hs, ht, u, e, gh);
            double h = 1e-6;
            for (int k = 0; k < ds; k++) {
                double keep = hs[k];
                hs[k] = keep + h;
                double up = HiddenMatch.row(p, hs, ht, new double[ds], new double[dt], new double[ds]);
                hs[k] = keep - h;
                double down = HiddenMatch.row(p, hs, ht, new double[ds], new double[dt], new double[ds]);
                hs[k] = keep;
                assertThat(gh[k]).as("d/dh_s[%d] at %d→%d", k, ds, dt).isCloseTo((up - down) / (2 * h), within(1e-7 * (1 + Math.abs(gh[k]))));
            }
            for (int j = 0; j < dt; j++) {
                for (int k = 0; k < ds; k++) {
                    int i = j * ds + k;
                    double keep = p[i];
                    p[i] = keep + h;
                    double up = HiddenMatch.row(p, hs, ht, new double[ds], new double[dt], new double[ds]);
                    p[i] = keep - h;
                    double down = HiddenMatch.row(p, hs, ht, new double[ds], new double[dt], new double[ds]);
                    p[i] = keep;
                    double analytic = 2.0 / dt * e[j] * u[k];
                    assertThat(analytic).as("d/dP[%d][%d]", j, k).isCloseTo((up - down) / (2 * h), within(1e-7 * (1 + Math.abs(analytic))));
                }
            }
        }
    }

    /** The loss is scale-free in both states (RMS-normalised) and zero when the projected student state is the teacher's direction. */
    @Test
    void normalisedStatesMakeTheLossScaleFree() {
        int d = 4;
        double[] p = new double[d * d];
        for (int j = 0; j < d; j++) p[j * d + j] = 1;
        double[] hs = {1, -2, 3, 0.5}, ht = {10, -20, 30, 5};
        assertThat(HiddenMatch.row(p, hs, ht, new double[d], new double[d], new double[d])).isCloseTo(0, within(1e-9));
        double[] other = {3, 1, -1, 2};
        double a = HiddenMatch.row(p, hs, other, new double[d], new double[d], new double[d]);
        double b = HiddenMatch.row(p, new double[] {7, -14, 21, 3.5}, new double[] {30, 10, -10, 20}, new double[d], new double[d], new double[d]);
        assertThat(b).isCloseTo(a, within(1e-5)); // up to the ε inside the RMS
    }

    /** The batch form (floats in, parallel rows) is weight · mean of the double rows; its gradients are the rows' scaled ones. */
    @Test
    void batchLossIsTheWeightedMeanOfItsRows() {
        int ds = 6, dt = 9, n = 37;
        LayerMap map = new LayerMap(new int[] {0, 1}, new int[] {1, 2});
        HiddenMatch m = new HiddenMatch(map, ds, dt, 0.7, 11);
        Param p0 = m.projections().get(0);
        assertThat(p0.rows()).isEqualTo(dt);
        assertThat(p0.cols()).isEqualTo(ds);
        float[][] s = new float[2][], t = new float[2][], g = {new float[n * ds], new float[n * ds]};
        for (int i = 0; i < 2; i++) {
            s[i] = floats(gaussian(n * ds, 1.5, 20 + i));
            t[i] = floats(gaussian(n * dt, 3, 30 + i));
        }
        HiddenStateLoss loss = m.against(t);
        assertThat(loss.layers()).containsExactly(0, 1);
        float scale = 0.5f;
        double got = loss.lossAndGradient(s, g, n, ds, scale);

        double sum = 0, c = 0.7 * scale / (n * 2.0);
        for (int i = 0; i < 2; i++) {
            Param p = m.projections().get(i);
            double[] pw = new double[p.w.length], gp = new double[p.w.length];
            for (int k = 0; k < pw.length; k++) pw[k] = p.w[k];
            for (int r = 0; r < n; r++) {
                double[] hs = new double[ds], ht = new double[dt], u = new double[ds], e = new double[dt], gh = new double[ds];
                for (int k = 0; k < ds; k++) hs[k] = s[i][r * ds + k];
                for (int j = 0; j < dt; j++) ht[j] = t[i][r * dt + j];
                sum += HiddenMatch.row(pw, hs, ht, u, e, gh);
                for (int k = 0; k < ds; k++) assertThat((double) g[i][r * ds + k]).isCloseTo(c * gh[k], within(1e-6 * (1e-3 + Math.abs(c * gh[k]))));
                for (int j = 0; j < dt; j++) for (int k = 0; k < ds; k++) gp[j * ds + k] += c * 2.0 / dt * e[j] * u[k];
            }
            for (int k = 0; k < gp.length; k++) assertThat((double) p.g[k]).isCloseTo(gp[k], within(1e-5 * (1e-4 + Math.abs(gp[k]))));
        }
        assertThat(got).isCloseTo(0.7 * sum / (n * 2.0), within(1e-12));
    }

    @Test
    void projectionsStartAsIdentityOrSmallSeededNoise() {
        HiddenMatch same = new HiddenMatch(LayerMap.spread(2, 4), 8, 8, 1, 1);
        Param p = same.projections().get(1);
        for (int j = 0; j < 8; j++) for (int k = 0; k < 8; k++) assertThat(p.w[j * 8 + k]).isEqualTo(j == k ? 1f : 0f);
        Param a = new HiddenMatch(LayerMap.spread(2, 4), 8, 16, 1, 5).projections().get(0);
        Param b = new HiddenMatch(LayerMap.spread(2, 4), 8, 16, 1, 5).projections().get(0);
        Param c = new HiddenMatch(LayerMap.spread(2, 4), 8, 16, 1, 6).projections().get(0);
        assertThat(a.w).containsExactly(b.w);
        assertThat(a.w).isNotEqualTo(c.w);
        double sq = 0;
        for (float x : a.w) sq += x * x;
        assertThat(Math.sqrt(sq / a.w.length)).isBetween(0.1 / Math.sqrt(8) * 0.7, 0.1 / Math.sqrt(8) * 1.3);
        assertThat(a.decay()).isFalse();
        assertThatThrownBy(() -> new HiddenMatch(LayerMap.spread(2, 4), 8, 8, -1, 1)).isInstanceOf(PithException.class).hasMessageContaining("--hidden-weight");
    }

    @Test
    void theDefaultMapSpreadsTheStudentOverTheTeacherLastToLast() {
        assertThat(LayerMap.spread(4, 6).toString()).isEqualTo("0:1,1:2,2:4,3:5");
        assertThat(LayerMap.spread(2, 2).toString()).isEqualTo("0:0,1:1");
        assertThat(LayerMap.spread(3, 12).toString()).isEqualTo("0:3,1:7,2:11");
        for (int s = 1; s <= 8; s++) {
            for (int t = 1; t <= 12; t++) {
                LayerMap m = LayerMap.spread(s, t);
                assertThat(m.teacher()[s - 1]).isEqualTo(t - 1);
                for (int i = 1; i < s; i++) assertThat(m.teacher()[i]).isGreaterThanOrEqualTo(m.teacher()[i - 1]);
            }
        }
        assertThat(LayerMap.parse(" 3:5 , 0:1", 4, 6).toString()).isEqualTo("3:5,0:1");
        assertThat(LayerMap.parse(null, 4, 6).toString()).isEqualTo("0:1,1:2,2:4,3:5");
    }

    @Test
    void aBadLayerMapIsOneSentence() {
        assertThatThrownBy(() -> LayerMap.parse("4:1", 4, 6)).isInstanceOf(PithException.class)
                .hasMessage("--layer-map names student block 4, but the student has blocks 0 to 3.");
        assertThatThrownBy(() -> LayerMap.parse("1:6", 4, 6)).isInstanceOf(PithException.class)
                .hasMessage("--layer-map names teacher block 6, but the teacher has blocks 0 to 5.");
        assertThatThrownBy(() -> LayerMap.parse("-1:2", 4, 6)).isInstanceOf(PithException.class).hasMessageContaining("student block -1");
        for (String bad : new String[] {"1-2", "a:b", "1:2,", "1:2:3", ":"})
            assertThatThrownBy(() -> LayerMap.parse(bad, 4, 6)).as(bad).isInstanceOf(PithException.class)
                    .hasMessageStartingWith("--layer-map '" + bad + "' is malformed");
        assertThatThrownBy(() -> LayerMap.parse("1:2,1:3", 4, 6)).isInstanceOf(PithException.class).hasMessage("--layer-map names student block 1 twice.");
    }

    static float[] floats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
