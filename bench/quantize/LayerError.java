import dev.pith.compress.calib.CalibrationText;
import dev.pith.compress.gptq.Gptq;
import dev.pith.compress.gptq.Hessian;
import dev.pith.compress.gptq.HessianCollector;
import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.core.quant.Quantizer;
import dev.pith.core.quant.WeightedQuantizer;
import dev.pith.model.Model;
import dev.pith.model.Models;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Diagnostic for issue 6: each matrix's output error tr((W−Ŵ)H(W−Ŵ)ᵀ) on calibration activations,
 * for RTN, the imatrix (Hessian diagonal as importance) and GPTQ variants, relative to RTN. It is
 * what GPTQ minimises, so a GPTQ above the imatrix here is a defect, not a calibration effect.
 *   java --add-modules jdk.incubator.vector -cp JAR:LIB/* bench/quantize/LayerError.java MODEL CALIB CHUNKS TYPE...
 */
public class LayerError {
    public static void main(String[] a) {
        try (Model m = Models.load(Path.of(a[0]))) {
            List<int[]> cs = CalibrationText.chunks(m, Path.of(a[1]), 128, Integer.parseInt(a[2]));
            HessianCollector hc = new HessianCollector();
            CalibrationText.run(m, cs, hc, i -> { });
            Map<String, Hessian> hs = hc.hessians();
            for (int ti = 3; ti < a.length; ti++) {
                DType type = DType.valueOf(a[ti]);
                double[] tot = new double[6];
                System.out.printf("%s: matrix  imatrix  gptq-rtn-scales  gptq-ao-rtn-scales  gptq-weighted  gptq-ao-weighted (error / RTN's)%n", type);
                for (var e : hs.entrySet()) {
                    Tensor t = m.tensors().get(e.getKey());
                    int rows = t.rows(), cols = t.cols();
                    if (cols % type.blockSize() != 0) continue;
                    float[] w = Dequantizer.dequantize(t);
                    double[] h = e.getValue().h();
                    float[] imp = new float[cols];
                    for (int i = 0; i < cols; i++) imp[i] = (float) h[i * cols + i];
                    double[] err = new double[6];
                    err[0] = error(w, deq(type, Quantizer.quantize(type, w, w.length), w.length), h, rows, cols);
                    float[] wi = new float[w.length];
                    for (int r = 0; r < rows; r++) {
                        float[] row = java.util.Arrays.copyOfRange(w, r * cols, (r + 1) * cols);
                        System.arraycopy(deq(type, WeightedQuantizer.quantizeRow(type, row, cols, imp), cols), 0, wi, r * cols, cols);
                    }
                    err[1] = error(w, wi, h, rows, cols);
                    err[2] = error(w, new Gptq(0.01, false, false).quantize(w, rows, cols, h, type).values(), h, rows, cols);
                    err[3] = error(w, new Gptq(0.01, true, false).quantize(w, rows, cols, h, type).values(), h, rows, cols);
                    err[4] = error(w, new Gptq(0.01, false, true).quantize(w, rows, cols, h, type).values(), h, rows, cols);
                    err[5] = error(w, new Gptq(0.01, true, true).quantize(w, rows, cols, h, type).values(), h, rows, cols);
                    StringBuilder sb = new StringBuilder("  " + e.getKey());
                    for (int k = 1; k < 6; k++) sb.append(String.format("  %.3f", err[k] / err[0]));
                    System.out.println(sb);
                    for (int k = 0; k < 6; k++) tot[k] += err[k] / err[0];
                }
                StringBuilder sb = new StringBuilder("  mean");
                for (int k = 1; k < 6; k++) sb.append(String.format("  %.3f", tot[k] / tot[0]));
                System.out.println(sb);
            }
        }
    }

    static float[] deq(DType type, byte[] b, int n) {
        float[] out = new float[n];
        Dequantizer.dequantize(type, MemorySegment.ofArray(b), 0, out, 0, n);
        return out;
    }

    /** Σ_rows δᵀHδ with δ = W − Ŵ. */
    static double error(float[] w, float[] q, double[] h, int rows, int cols) {
        double s = 0;
        double[] d = new double[cols];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) d[j] = w[r * cols + j] - q[r * cols + j];
            for (int i = 0; i < cols; i++) {
                double gi = 0;
                for (int j = 0; j < cols; j++) gi += h[i * cols + j] * d[j];
                s += d[i] * gi;
            }
        }
        return s;
    }
}
