package dev.pith.model.runtime;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The comparison's statistics against plain double-precision twins on synthetic distributions. */
class KlDivergenceTest {
    private static final int VOCAB = 300;

    /** n positions: base logits (spread·gaussian) and the model's = base + noise·gaussian; the plain twins' KLD, ln ratio, its paired error, mean nll. */
    private static double[] run(long seed, int n, double spread, double noise, KlDivergence.Sums s) {
        SplittableRandom r = new SplittableRandom(seed);
        ByteBuffer rows = ByteBuffer.allocate(n * 2 * BaseLogits.rowValues(VOCAB)).order(ByteOrder.LITTLE_ENDIAN);
        float[][] model = new float[n][];
        int[] targets = new int[n];
        double kldSum = 0, dSum = 0, dSum2 = 0;
        double[] nllModel = new double[n], nllBase = new double[n];
        for (int k = 0; k < n; k++) {
            float[] base = BaseLogitsTest.randomLogits(r, VOCAB, spread);
            model[k] = base.clone();
            for (int i = 0; i < VOCAB; i++) model[k][i] += (float) (noise * r.nextGaussian());
            targets[k] = r.nextInt(VOCAB);
            rows.position(k * 2 * BaseLogits.rowValues(VOCAB));
            BaseLogits.encodeRow(base, 0, VOCAB, targets[k], rows);
            double[] p = BaseLogitsTest.logSoftmax(base, 0, VOCAB), q = BaseLogitsTest.logSoftmax(model[k], 0, VOCAB);
            for (int i = 0; i < VOCAB; i++) kldSum += Math.exp(p[i]) * (p[i] - q[i]);
            nllModel[k] = -q[targets[k]];
            nllBase[k] = -p[targets[k]];
        }
        for (int k = 0; k < n; k++) KlDivergence.position(model[k], 0, VOCAB, rows, k, targets[k], s);
        double mean = 0;
        for (int k = 0; k < n; k++) mean += (nllModel[k] - nllBase[k]) / n;
        for (int k = 0; k < n; k++) {
            double d = nllModel[k] - nllBase[k] - mean;
            dSum2 += d * d;
        }
        // the paired difference's standard error, computed directly from the per-position differences
        double pairedError = Math.sqrt(dSum2 / n / (n - 1));
        double meanNllModel = 0;
        for (double v : nllModel) meanNllModel += v / n;
        return new double[] {kldSum / n, mean, pairedError, meanNllModel};
    }

    @Test
    void kldAndPerplexityRatioMatchThePlainTwins() {
        KlDivergence.Sums s = new KlDivergence.Sums();
        double[] twin = run(11, 400, 2.0, 0.3, s);
        KlDivergence.Report r = KlDivergence.report(s, 1, 802);
        assertThat(r.positions()).isEqualTo(400);
        // the base rows are 16-bit: each log-probability within ~1.2e-4 nats
        assertThat(r.kld().value()).isCloseTo(twin[0], within(5e-4));
        assertThat(r.kld().value()).isGreaterThan(0.01);
        assertThat(r.lnPplRatio().value()).isCloseTo(twin[1], within(5e-4));
        // llama.cpp's uncertainty from the two variances and their covariance is the paired standard error
        assertThat(r.lnPplRatio().uncertainty()).isCloseTo(twin[2], within(0.01 * twin[2]));
        assertThat(Math.log(r.ppl().value())).isCloseTo(twin[3], within(1e-5));
        assertThat(r.pplRatio().value()).isCloseTo(Math.exp(r.lnPplRatio().value()), within(1e-12));
        // a paired comparison is far tighter than either perplexity's own error bar
        assertThat(r.lnPplRatio().uncertainty()).isLessThan(0.5 * r.ppl().uncertainty() / r.ppl().value());
        assertThat(r.lnPplCorrelation()).isBetween(0.5, 1.0);
        assertThat(r.sameTop().value()).isBetween(0.5, 1.0);
        assertThat(r.kldPercentiles().keySet()).containsExactly("max", "99.9", "99", "95", "90", "median", "10", "5", "1", "0.1", "min");
        assertThat(r.kldPercentiles().get("max")).isGreaterThanOrEqualTo(r.kldPercentiles().get("median"));
        assertThat(r.deltaPPercentiles().get("min")).isLessThanOrEqualTo(r.deltaPPercentiles().get("25"));
    }

    @Test
    void aModelAgainstItsOwnBaseDiffersOnlyByTheRowRounding() {
        KlDivergence.Sums s = new KlDivergence.Sums();
        run(5, 200, 1.5, 0, s); // logits within 16 nats of the top: no target at the base row's floor
        KlDivergence.Report r = KlDivergence.report(s, 1, 402);
        assertThat(r.kld().value()).isCloseTo(0, within(1e-6));
        assertThat(r.kldPercentiles().get("max")).isLessThan(1e-4);
        assertThat(r.lnPplRatio().value()).isCloseTo(0, within(2e-4));
        assertThat(r.sameTop().value()).isEqualTo(1.0);
        assertThat(r.rmsDeltaP().value()).isLessThan(1e-4);
        assertThat(r.baseFloorPositions()).isZero();
    }

    @Test
    void aTargetBelowTheBaseFloorIsCounted() {
        float[] base = new float[VOCAB], model = new float[VOCAB];
        base[0] = 30f; // every other token ~30 nats down: below the 16-nat floor
        model[0] = 30f;
        ByteBuffer row = ByteBuffer.allocate(2 * BaseLogits.rowValues(VOCAB)).order(ByteOrder.LITTLE_ENDIAN);
        BaseLogits.encodeRow(base, 0, VOCAB, 5, row);
        KlDivergence.Sums s = new KlDivergence.Sums();
        KlDivergence.position(model, 0, VOCAB, row, 0, 5, s);
        assertThat(s.floor).isEqualTo(1);
        assertThat(s.nll).isGreaterThan(s.nllBase + 10);
    }

    @Test
    void percentilesInterpolateAsLlamaCppDoes() {
        float[] v = {1, 2, 3, 4, 5};
        assertThat(KlDivergence.percentile(v, 5, 0.5)).isEqualTo(3.0);
        assertThat(KlDivergence.percentile(v, 5, 0.9)).isCloseTo(4.6, within(1e-9));
        assertThat(KlDivergence.percentile(v, 5, 0)).isEqualTo(1.0);
        assertThat(KlDivergence.percentile(v, 5, 1)).isEqualTo(5.0);
        assertThat(KlDivergence.median(v, 5)).isEqualTo(3.0);
        assertThat(KlDivergence.median(new float[] {1, 2, 3, 4}, 4)).isEqualTo(2.5);
        KlDivergence.Estimate e = KlDivergence.mean(10, 30, 5);
        assertThat(e.value()).isEqualTo(2.0);
        assertThat(e.uncertainty()).isZero(); // llama.cpp gives no error bar under 11 values
        KlDivergence.Estimate e2 = KlDivergence.mean(0 + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10, 385, 11);
        assertThat(e2.uncertainty()).isCloseTo(Math.sqrt(10.0 / 10), within(1e-12));
    }
}
