package dev.pith.compress.gptq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pith.core.Parallel;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The blocked, parallel Cholesky against its one-thread twin: the same bits, not just close. */
class CholeskyTest {

    /** A random SPD matrix BBᵀ + damp·I (B n × n gaussian), row-major. */
    private static double[] spd(int n, long seed, double damp) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] b = new double[n * n];
        for (int i = 0; i < b.length; i++) b[i] = rng.nextGaussian();
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k];
                a[i * n + j] = s;
                a[j * n + i] = s;
            }
            a[i * n + i] += damp;
        }
        return a;
    }

    @Test
    void parallelLowerEqualsSequentialBitForBit() {
        int saved = Parallel.threads();
        try {
            // 3 threads: uneven splits of the rows below each block even on a 2-core machine
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                int[] sizes = {1, 2, 3, 5, Cholesky.BLOCK - 1, Cholesky.BLOCK, Cholesky.BLOCK + 1, 2 * Cholesky.BLOCK + 7, 203};
                for (int n : sizes) {
                    double[] a = spd(n, 31L * n + threads, 0.01);
                    double[] seq = Cholesky.lowerSequential(a, n);
                    double[] par = Cholesky.lower(a, n);
                    assertThat(seq).as("n=%d", n).isNotNull();
                    assertThat(par).as("n=%d threads=%d", n, threads).isEqualTo(seq);
                    // and it is a factorization: (LLᵀ)[n-1][0] ≈ a[n-1][0]
                    double s = 0;
                    for (int k = 0; k < n; k++) s += par[(n - 1) * n + k] * par[k];
                    assertThat(s).isCloseTo(a[(n - 1) * n], org.assertj.core.data.Offset.offset(1e-9 * (1 + Math.abs(a[(n - 1) * n]))));
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void parallelInverseAndProductEqualSequentialBitForBit() {
        int saved = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                // sizes around the four-column groups (n % 4 = 0..3) and a few groups per thread
                for (int n : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 63, 130, 203}) {
                    double[] l = Cholesky.lowerSequential(spd(n, 17L * n + threads, 0.01), n);
                    double[] seq = Cholesky.invertLowerSequential(l, n);
                    double[] par = Cholesky.invertLower(l, n);
                    assertThat(par).as("inverse n=%d threads=%d", n, threads).isEqualTo(seq);
                    // and it is the inverse: (L·L⁻¹)[n-1][0] ≈ 0 below the diagonal, 1 on it
                    double s = 0;
                    for (int k = 0; k < n; k++) s += l[(n - 1) * n + k] * par[k * n + (n - 1)];
                    assertThat(s).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
                    double[] lt = new double[n * n];
                    for (int k = 0; k < n; k++) for (int i = 0; i <= k; i++) lt[i * n + k] = par[k * n + i];
                    assertThat(Cholesky.inverseProduct(lt, n)).as("product n=%d threads=%d", n, threads)
                            .isEqualTo(Cholesky.inverseProductSequential(lt, n));
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void notPositiveDefiniteIsNullInBoth() {
        for (int n : new int[] {4, 70, 150}) {
            double[] a = spd(n, n, 0.5);
            // a negative pivot late in the matrix (after the first block) and one early
            for (int bad : new int[] {0, n / 2, n - 1}) {
                double[] c = a.clone();
                c[bad * n + bad] = -1e9;
                assertThat(Cholesky.lowerSequential(c, n)).isNull();
                assertThat(Cholesky.lower(c, n)).isNull();
            }
        }
    }
}
