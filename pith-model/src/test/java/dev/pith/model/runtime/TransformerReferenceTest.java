package dev.pith.model.runtime;

import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.TestData;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class TransformerReferenceTest {
    private static final int[] PROMPT = {1, 403, 407, 261, 378};
    // Top-5 next-token logits after PROMPT from tools/fixtures/llama2c_reference_logits.py (NumPy,
    // float64, llama2.c run.c semantics) on stories260K.bin.
    private static final int[] REF_IDS = {432, 383, 322, 353, 323};
    private static final double[] REF_LOGITS = {17.7994, 14.28126, 9.70965, 9.58729, 9.13424};

    @Test
    void llama2cCheckpointMatchesNumpyReference() {
        try (Model m = Models.load(TestData.model("stories260K.bin"), TestData.model("tok512.bin"))) {
            assertTop5(new Transformer(m).forward(PROMPT));
        }
    }

    @Test
    void ggufF32MatchesNumpyReference() {
        try (Model m = Models.load(TestData.model("stories260K-f32.gguf"))) {
            assertTop5(new Transformer(m).forward(PROMPT));
        }
    }

    @Test
    void batchedPromptEqualsTokenByToken() {
        try (Model m = Models.load(TestData.model("stories260K-f32.gguf"))) {
            float[] batched = new Transformer(m).forwardAll(PROMPT);
            Transformer step = new Transformer(m);
            int vocab = m.config().vocabSize();
            for (int i = 0; i < PROMPT.length; i++) {
                float[] logits = step.forward(new int[]{PROMPT[i]});
                for (int v = 0; v < vocab; v++) assertThat(batched[i * vocab + v]).isCloseTo(logits[v], within(1e-4f));
            }
        }
    }

    @Test
    void logitsFromAPositionOnAreThoseOfEveryPositionFromThere() {
        int[] tokens = new int[40];
        for (int i = 0; i < tokens.length; i++) tokens[i] = 1 + (i * 37) % 500;
        try (Model m = Models.load(TestData.model("stories260K-f32.gguf"))) {
            int vocab = m.config().vocabSize(), from = 20;
            float[] all = new Transformer(m).forwardAll(tokens);
            float[] tail = new float[(tokens.length - from) * vocab + 3];
            new Transformer(m).forwardFrom(tokens, from, tail);
            for (int i = 0; i < (tokens.length - from) * vocab; i++) {
                assertThat(tail[i]).as("position %d, token %d", from + i / vocab, i % vocab).isCloseTo(all[from * vocab + i], within(1e-4f));
            }
            // a small batch size: the scored positions span batches, and some batches have none
            Transformer batched = new Transformer(m, new RuntimeOptions(dev.pith.core.DType.F32, 0, 8));
            float[] tailBatched = new float[(tokens.length - from) * vocab];
            batched.forwardFrom(tokens, from, tailBatched);
            for (int i = 0; i < tailBatched.length; i++) assertThat(tailBatched[i]).isCloseTo(all[from * vocab + i], within(1e-4f));
        }
    }

    @Test
    void theCacheGrowsWithTheSequenceAndKeepsEveryPosition() {
        int[] tokens = new int[700];
        for (int i = 0; i < tokens.length; i++) tokens[i] = 1 + (i * 53) % 500;
        try (Model m = Models.load(TestData.model("stories260K-f32.gguf"))) {
            RuntimeOptions options = new RuntimeOptions(dev.pith.core.DType.F32, 2048, 512);
            // 100 tokens at a time: the cache grows while the sequence passes 512 and 1024 tokens ...
            Transformer small = new Transformer(m, options);
            float[] bySmallSteps = null;
            for (int i = 0; i < tokens.length; i += 100) bySmallSteps = small.forward(java.util.Arrays.copyOfRange(tokens, i, i + 100));
            // ... and 350 at a time, where it grows at other points: a lost or misplaced position would change the last logits
            Transformer large = new Transformer(m, options);
            large.forward(java.util.Arrays.copyOfRange(tokens, 0, 350));
            float[] byLargeSteps = large.forward(java.util.Arrays.copyOfRange(tokens, 350, 700));
            for (int v = 0; v < bySmallSteps.length; v++) assertThat(byLargeSteps[v]).isCloseTo(bySmallSteps[v], within(1e-3f));
            assertThat(large.contextLength()).isEqualTo(2048);
        }
    }

    private static void assertTop5(float[] logits) {
        for (int i = 0; i < REF_IDS.length; i++) {
            assertThat((double) logits[REF_IDS[i]]).as("logit of token %d", REF_IDS[i]).isCloseTo(REF_LOGITS[i], within(1e-4));
        }
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        for (int i = 0; i < REF_IDS.length; i++) assertThat(order[i]).isEqualTo(REF_IDS[i]);
    }
}
