import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.runtime.RuntimeOptions;
import dev.pith.model.runtime.Transformer;
import dev.pith.model.sparse.SparseMode;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Dense against sparse execution of one model in one process: two Transformers (--sparse off and
 * auto) alternate round by round, a prompt of P tokens then G decoded tokens each, so a busy machine
 * slows both alike; prints one JSON line with medians and the median of the per-round ratios.
 * Usage: java ... SparseDecodeBench.java MODEL [ROUNDS=15] [PROMPT=128] [GEN=64] [MODE=auto|on]
 */
public class SparseDecodeBench {
    public static void main(String[] a) {
        Path file = Path.of(a[0]);
        SparseMode mode = a.length > 4 ? SparseMode.parse(a[4]) : SparseMode.AUTO;
        int rounds = a.length > 1 ? Integer.parseInt(a[1]) : 15, p = a.length > 2 ? Integer.parseInt(a[2]) : 128, g = a.length > 3 ? Integer.parseInt(a[3]) : 64;
        try (Model m = Models.load(file)) {
            RuntimeOptions o = RuntimeOptions.defaults().withContextLength(p + g);
            Transformer dense = new Transformer(m, o), sparse = new Transformer(m, o.withSparse(mode));
            int[] prompt = new int[p];
            for (int i = 0; i < p; i++) prompt[i] = 1 + (i * 7919) % (m.config().vocabSize() - 1);
            for (int w = 0; w < 3; w++) { once(dense, prompt, g); once(sparse, prompt, g); }
            double[][] d = new double[2][rounds], s = new double[2][rounds], ratio = new double[2][rounds];
            for (int r = 0; r < rounds; r++) {
                double[] x = r % 2 == 0 ? once(dense, prompt, g) : null, y = once(sparse, prompt, g);
                if (x == null) x = once(dense, prompt, g);
                for (int k = 0; k < 2; k++) { d[k][r] = x[k]; s[k][r] = y[k]; ratio[k][r] = y[k] / x[k]; }
            }
            System.out.printf("{\"file\":\"%s\",\"mode\":\"%s\",\"sparse_matrices\":%d,\"block_bytes_dense\":%d,\"block_bytes_sparse\":%d,"
                    + "\"prompt_dense\":%.1f,\"prompt_sparse\":%.1f,\"prompt_ratio\":%.3f,\"decode_dense\":%.1f,\"decode_sparse\":%.1f,\"decode_ratio\":%.3f,\"rounds\":%d}%n",
                    file.getFileName(), mode.name().toLowerCase(), sparse.sparseMatrices(), dense.blockMatrixBytes(), sparse.blockMatrixBytes(),
                    median(d[0]), median(s[0]), median(ratio[0]), median(d[1]), median(s[1]), median(ratio[1]), rounds);
        }
    }

    /** {prompt tokens/s, decode tokens/s} from an empty cache; decode feeds fixed tokens (no sampling). */
    static double[] once(Transformer t, int[] prompt, int gen) {
        t.reset();
        long a = System.nanoTime();
        t.forward(prompt);
        long b = System.nanoTime();
        int[] one = {prompt[prompt.length - 1]};
        for (int i = 0; i < gen; i++) t.forward(one);
        long c = System.nanoTime();
        return new double[] {prompt.length / ((b - a) / 1e9), gen / ((c - b) / 1e9)};
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }
}
