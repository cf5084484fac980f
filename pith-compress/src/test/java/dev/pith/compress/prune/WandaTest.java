package dev.pith.compress.prune;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class WandaTest {
    @Test
    void prunesTheSmallestWeightTimesInputNormOfEachRow() {
        Random rnd = new Random(11);
        int rows = 7, cols = 12;
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        double[] norms = new double[cols];
        for (int j = 0; j < cols; j++) norms[j] = Math.exp(2 * rnd.nextGaussian()); // wide spread: magnitude and Wanda disagree
        boolean[] mask = UnstructuredPruner.wanda(w, rows, cols, Sparsity.unstructured(0.5), norms);
        boolean differsFromMagnitude = false;
        for (int r = 0; r < rows; r++) {
            // brute force: the 6 columns of this row with the smallest |w|·‖x‖
            Integer[] order = new Integer[cols];
            for (int j = 0; j < cols; j++) order[j] = j;
            final int row = r;
            java.util.Arrays.sort(order, java.util.Comparator.comparingDouble(j -> Math.abs(w[row * cols + j]) * norms[j]));
            for (int k = 0; k < cols; k++) assertThat(mask[r * cols + order[k]]).isEqualTo(k < 6);
            Integer[] byMag = order.clone();
            java.util.Arrays.sort(byMag, java.util.Comparator.comparingDouble(j -> Math.abs(w[row * cols + j])));
            for (int k = 0; k < 6; k++) if (!mask[r * cols + byMag[k]]) differsFromMagnitude = true;
        }
        assertThat(differsFromMagnitude).as("the test data must separate Wanda from magnitude").isTrue();
    }
}
