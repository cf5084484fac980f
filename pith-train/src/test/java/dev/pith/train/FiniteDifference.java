package dev.pith.train;

import java.util.function.DoubleSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Central finite differences of a double-precision objective, compared with a float32 analytic
 * gradient. The error bound is relative to the largest gradient entry of the tensor, so entries
 * near zero are held to the same absolute accuracy as the large ones.
 */
final class FiniteDifference {
    private FiniteDifference() {}

    static double[] numeric(double[] x, DoubleSupplier f) {
        double h = 1e-6;
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double old = x[i];
            x[i] = old + h;
            double fp = f.getAsDouble();
            x[i] = old - h;
            double fm = f.getAsDouble();
            x[i] = old;
            g[i] = (fp - fm) / (2 * h);
        }
        return g;
    }

    static void check(String what, float[] analytic, double[] x, DoubleSupplier f, double tol) {
        double[] num = numeric(x, f);
        double scale = 0;
        for (double v : num) scale = Math.max(scale, Math.abs(v));
        assertThat(scale).as("%s: the gradient is not trivially zero", what).isGreaterThan(1e-6);
        double worst = 0;
        for (int i = 0; i < num.length; i++) worst = Math.max(worst, Math.abs(analytic[i] - num[i]) / scale);
        assertThat(worst).as("%s: max |analytic − numeric| / max |numeric|", what).isLessThan(tol);
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
