package dev.pith.train;

/** The plain triple loops {@link Gemm} must agree with: same shapes, same accumulate flag. */
public final class GemmScalar {
    private GemmScalar() {}

    public static void nn(float[] a, float[] b, float[] c, int m, int n, int k, boolean accumulate) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                float s = accumulate ? c[i * n + j] : 0f;
                for (int p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
                c[i * n + j] = s;
            }
    }

    public static void tn(float[] a, float[] b, float[] c, int m, int n, int k, boolean accumulate) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                float s = accumulate ? c[i * n + j] : 0f;
                for (int p = 0; p < k; p++) s += a[p * m + i] * b[p * n + j];
                c[i * n + j] = s;
            }
    }

    public static void nt(float[] a, float[] b, float[] c, int m, int n, int k, boolean accumulate) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                float s = accumulate ? c[i * n + j] : 0f;
                for (int p = 0; p < k; p++) s += a[i * k + p] * b[j * k + p];
                c[i * n + j] = s;
            }
    }
}
