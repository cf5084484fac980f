package dev.pith.model.runtime;

import dev.pith.core.DType;
import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The vectorised runtime (packed and tiled matrix products, vector attention, norms, SwiGLU, worker pool)
 * against the plain scalar reference path on the shared stories260K files: the same greedy tokens,
 * and logits within float rounding.
 */
class FastPathTest {
    private static final String PROMPT = "Once upon a time, there was a little girl named Lily. She";

    @ParameterizedTest
    @ValueSource(strings = {"stories260K-f32.gguf", "stories260K-q8_0.gguf", "stories260K-q4_0.gguf"})
    void greedyTokensAreTheSameOnBothPaths(String file) {
        try (Model m = Models.load(TestData.model(file))) {
            for (DType kv : new DType[]{DType.F32, DType.F16}) {
                RuntimeOptions fast = RuntimeOptions.defaults().withKvType(kv);
                // stories260K's context is 128 tokens: the prompt plus 100 fills most of it.
                int[] a = generate(m, fast, 100);
                int[] b = generate(m, fast.withReference(true), 100);
                if (file.contains("q4_0") || file.contains("q8_0")) {
                    // The one known split, and it comes from the quantized matrix kernels alone (with
                    // the vector products on both paths all 100 tokens agree): ggml's generic C sums a
                    // Q4_0 row block after block in one float, SIMD code (Pith's vector kernels, like
                    // ggml's AVX ones) in lanes. At step 70 the scalar path's two best logits are 0.053
                    // apart (of ~15), a near tie that the last-bit differences flip. Since the prompt
                    // goes through PackedGemm (issue 4: float-tolerance, not bit-identical, prompt
                    // products) the F16 KV cache run flips at the same step 70 too.
                    // Q8_0 since session 15: generation multiplies the packed copy (PackedGroups) with
                    // the scalar reference's bits, while the prompt still goes through PackedGemm; with
                    // the F16 KV cache that mix splits from the reference path at a near tie as well.
                    assertNearTieWhereTheyDiverge(m, fast, a, b);
                } else {
                    assertThat(a).as("%s kv %s", file, kv).hasSize(100).containsExactly(b);
                }
            }
        }
    }

    private static void assertNearTieWhereTheyDiverge(Model m, RuntimeOptions o, int[] fast, int[] ref) {
        int k = 0;
        while (k < fast.length && fast[k] == ref[k]) k++;
        assertThat(k).as("tokens agree at least this far").isGreaterThanOrEqualTo(70);
        if (k == fast.length) return;
        Transformer t = new Transformer(m, o.withReference(true));
        int[] prompt = m.tokenizer().encode(PROMPT, m.tokenizer().addBosByDefault(), true);
        int[] prefix = java.util.Arrays.copyOf(prompt, prompt.length + k);
        System.arraycopy(ref, 0, prefix, prompt.length, k);
        float[] logits = t.forward(prefix);
        float gap = logits[ref[k]] - logits[fast[k]];
        assertThat(gap).as("reference logit gap between its pick and the fast path's at step %d", k).isBetween(0f, 0.1f);
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K-f32.gguf", "stories260K.bin"})
    void floatModelLogitsAgreeWithinRounding(String file) {
        try (Model m = file.endsWith(".bin") ? Models.load(TestData.model(file), TestData.model("tok512.bin")) : Models.load(TestData.model(file))) {
            int[] prompt = m.tokenizer().encode(PROMPT, true, false);
            float[] fast = new Transformer(m).forwardAll(prompt);
            float[] ref = new Transformer(m, RuntimeOptions.defaults().withReference(true)).forwardAll(prompt);
            for (int i = 0; i < fast.length; i++) assertThat(fast[i]).as("logit %d", i).isCloseTo(ref[i], within(1e-4f));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K-q8_0.gguf", "stories260K-q4_0.gguf"})
    void quantizedModelsPickTheSameTokenAtEveryPromptPosition(String file) {
        // Activations are quantized to Q8_0 before each product, so a last-bit difference upstream
        // can move one activation quant by a step (as it can between llama.cpp's own SIMD builds);
        // logits then differ by more than rounding, but the predicted tokens must not.
        try (Model m = Models.load(TestData.model(file))) {
            int[] prompt = m.tokenizer().encode(PROMPT, true, false);
            float[] fast = new Transformer(m).forwardAll(prompt);
            float[] ref = new Transformer(m, RuntimeOptions.defaults().withReference(true)).forwardAll(prompt);
            int vocab = m.config().vocabSize();
            for (int i = 0; i < prompt.length; i++) {
                assertThat(argmax(fast, i * vocab, vocab)).as("position %d", i).isEqualTo(argmax(ref, i * vocab, vocab));
            }
        }
    }

    private static int argmax(float[] v, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (v[off + i] > v[off + best]) best = i;
        return best;
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K-f32.gguf", "stories260K-q8_0.gguf"})
    void batchedPromptAgreesWithOneTokenAtATime(String file) {
        // Issue 4's decision: a prompt's matrix products (PackedGemm) need not be bit-identical to
        // one token at a time (llama.cpp's are not either), only equal within float rounding: the
        // same weights meet the same (for Q8_0, Q8-quantized) activations, summed in another order.
        // A last-bit difference can move an activation quant by one step downstream, so the Q8_0
        // model gets a looser bound; the predicted token must be the same at every position.
        try (Model m = Models.load(TestData.model(file))) {
            int[] prompt = m.tokenizer().encode(PROMPT, true, false);
            float[] batched = new Transformer(m).forwardAll(prompt);
            Transformer step = new Transformer(m);
            int vocab = m.config().vocabSize();
            float tol = file.contains("q8_0") ? 2e-2f : 1e-4f;
            for (int i = 0; i < prompt.length; i++) {
                float[] one = step.forward(new int[]{prompt[i]});
                assertThat(argmax(batched, i * vocab, vocab)).as("token %d", i).isEqualTo(argmax(one, 0, vocab));
                for (int v = 0; v < vocab; v++) assertThat(batched[i * vocab + v]).as("token %d logit %d", i, v).isCloseTo(one[v], within(tol));
            }
        }
    }

    private static int[] generate(Model m, RuntimeOptions o, int n) {
        Generator g = new Generator(new Transformer(m, o)).ignoreEos(true);
        return g.generate(PROMPT, n, SamplerSettings.greedy(), null).tokens();
    }
}
