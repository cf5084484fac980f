package dev.pith.model.runtime;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.kernel.MatMul;
import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.TestData;
import dev.pith.model.sparse.SparseMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A pruned stories260K run with its block matrices held sparsely gives the dense run's logits, for
 * a prompt (batched sparse products) and for single decoded tokens (sparse matvec), on the vector
 * and the scalar paths. The tolerance covers float summation order only: the sparse kernels add the
 * same products as the dense ones, skipping the zeros, in another order.
 */
class SparseExecutionTest {
    private static final String PROMPT = "Once upon a time, there was a little girl named Lily. She";
    private static final List<String> MATRICES = List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down");

    @ParameterizedTest
    @ValueSource(strings = {"2:4", "0.7", "0.9"})
    void sparseLogitsEqualDenseLogits(String pruning) {
        try (Model base = Models.load(TestData.model("stories260K-f32.gguf"))) {
            Model m = pruned(base, pruning);
            int[] prompt = m.tokenizer().encode(PROMPT, true, false);
            RuntimeOptions dense = RuntimeOptions.defaults();
            for (boolean reference : new boolean[] {false, true}) {
                Transformer d = new Transformer(m, dense.withReference(reference));
                Transformer s = new Transformer(m, dense.withReference(reference).withSparse(SparseMode.AUTO));
                assertThat(s.sparseMatrices()).isEqualTo(7 * m.config().layers());
                assertThat(d.sparseMatrices()).isZero();
                assertClose(s.forwardAll(prompt), d.forwardAll(prompt), pruning + " prompt");
                for (int tok : new int[] {42, 7, 300}) assertClose(s.forward(new int[] {tok}), d.forward(new int[] {tok}), pruning + " decode");
            }
            long denseBytes = new Transformer(m, dense).blockMatrixBytes();
            long sparseBytes = new Transformer(m, dense.withSparse(SparseMode.AUTO)).blockMatrixBytes();
            double expected = switch (pruning) {
                case "2:4" -> 0.625;        // 4-byte value + 1-byte position per kept weight
                case "0.7" -> 0.6;          // CSR: 8 bytes per non-zero (row offsets aside)
                default -> 0.2;
            };
            assertThat((double) sparseBytes / denseBytes).isCloseTo(expected, within(0.02));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K-f32.gguf", "stories260K-q8_0.gguf"})
    void denseAndQuantizedModelsStayDense(String file) {
        try (Model m = Models.load(TestData.model(file))) {
            Transformer t = new Transformer(m, RuntimeOptions.defaults().withSparse(SparseMode.AUTO));
            assertThat(t.sparseMatrices()).isZero();
            assertThat(t.blockMatrixBytes()).isEqualTo(new Transformer(m).blockMatrixBytes());
        }
    }

    private static void assertClose(float[] sparse, float[] dense, String what) {
        assertThat(sparse).hasSameSizeAs(dense);
        for (int i = 0; i < dense.length; i++) assertThat(sparse[i]).as("%s logit %d", what, i).isCloseTo(dense[i], within(2e-4f));
    }

    /** The model with every block matrix pruned per row by magnitude: "N:M" or a zero fraction. */
    private static Model pruned(Model m, String pruning) {
        Map<String, Tensor> tensors = new LinkedHashMap<>(m.tensors());
        for (int l = 0; l < m.config().layers(); l++) {
            for (String name : MATRICES) {
                Tensor t = m.tensor("blk." + l + "." + name + ".weight");
                int rows = t.rows(), cols = t.cols();
                float[] d = new float[rows * cols];
                for (int r = 0; r < rows; r++) {
                    MatMul.getRow(t, r, d, r * cols);
                    if (pruning.contains(":")) {
                        String[] nm = pruning.split(":");
                        int n = Integer.parseInt(nm[0]), mm = Integer.parseInt(nm[1]);
                        for (int g = 0; g < cols; g += mm) dropSmallest(d, r * cols + g, mm, mm - n);
                    } else {
                        dropSmallest(d, r * cols, cols, (int) Math.round(Double.parseDouble(pruning) * cols));
                    }
                }
                tensors.put(t.name(), new Tensor(t.name(), DType.F32, t.shape(), MemorySegment.ofArray(d)));
            }
        }
        return new Model(m.config(), tensors, m.tokenizer(), m.metadata(), m.source(), List.of());
    }

    private static void dropSmallest(float[] d, int from, int len, int k) {
        Integer[] idx = new Integer[len];
        for (int i = 0; i < len; i++) idx[i] = from + i;
        Arrays.sort(idx, (a, b) -> Float.compare(Math.abs(d[a]), Math.abs(d[b])));
        for (int i = 0; i < k; i++) d[idx[i]] = 0;
    }
}
