package dev.pith.compress.quant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Both calibration losses on a hand-worked chunk of three positions over a two-token vocabulary. */
class CalibrationLossTest {
    private static float ln(double p) {
        return (float) Math.log(p);
    }

    // positions 0..2, two log-probabilities each; the chunk's tokens are 0, 1, 0
    private final float[] ref = {ln(.5), ln(.5), ln(.8), ln(.2), ln(.1), ln(.9)};
    private final float[] q = {ln(.25), ln(.75), ln(.6), ln(.4), ln(.1), ln(.9)};
    private final int[] tokens = {0, 1, 0};

    @Test
    void nllIsTheTrueNextTokensLogLikelihoodLossOverThePositionsThatHaveOne() {
        long[] n = {5};
        double s = CalibrationLoss.NLL.sum(ref, q, tokens, 2, 0, n);
        // position 0 predicts token 1: ln .5 - ln .75; position 1 predicts token 0: ln .8 - ln .6; position 2 has no next token
        assertThat(s).isCloseTo(Math.log(.5 / .75) + Math.log(.8 / .6), within(1e-6));
        assertThat(n[0]).isEqualTo(5 + 2);
    }

    @Test
    void klComparesTheWholeDistributionAtEveryPosition() {
        long[] n = {0};
        double s = CalibrationLoss.KL.sum(ref, q, tokens, 2, 0, n);
        double expected = .5 * Math.log(.5 / .25) + .5 * Math.log(.5 / .75) + .8 * Math.log(.8 / .6) + .2 * Math.log(.2 / .4);
        assertThat(s).isCloseTo(expected, within(1e-6));
        assertThat(n[0]).isEqualTo(3);
    }

    @Test
    void fromSkipsTheEarlyPositions() {
        long[] n = {0};
        // from position 1: NLL scores position 1 only (position 2 has no next token), KL positions 1 and 2 (2 is unchanged)
        assertThat(CalibrationLoss.NLL.sum(ref, q, tokens, 2, 1, n)).isCloseTo(Math.log(.8 / .6), within(1e-6));
        assertThat(n[0]).isEqualTo(1);
        assertThat(CalibrationLoss.KL.sum(ref, q, tokens, 2, 1, n)).isCloseTo(.8 * Math.log(.8 / .6) + .2 * Math.log(.2 / .4), within(1e-6));
        assertThat(n[0]).isEqualTo(1 + 2);
    }
}
