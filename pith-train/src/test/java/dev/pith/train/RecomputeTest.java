package dev.pith.train;

import dev.pith.core.PithException;
import dev.pith.model.ModelConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Activation recomputation gives the same loss and gradients bit for bit, holding one block's activations instead of one set per layer. */
class RecomputeTest {
    // 3 layers, grouped-query heads (4 over 2), untied head, a sequence (13) that is no multiple of any tile
    private static final ModelConfig CONFIG = Presets.config(32, 3, 4, 2, 72, 41, 16, 10000f, 1e-5f, false);
    private static final int B = 2, T = 13;

    private static LlamaTrainModel model(boolean recompute) {
        LlamaTrainModel m = new LlamaTrainModel(CONFIG);
        m.initialize(new Rng(5));
        m.setRecompute(recompute);
        return m;
    }

    private static int[] tokens(long seed) {
        Rng r = new Rng(seed);
        int[] t = new int[B * T];
        for (int i = 0; i < t.length; i++) t[i] = (int) r.nextLong(CONFIG.vocabSize());
        return t;
    }

    @Test
    void sameLossAndGradientsBitForBitWithOneBlockOfActivations() {
        LlamaTrainModel plain = model(false), recomputing = model(true);
        int[] in = tokens(1), tg = tokens(2);
        for (int step = 0; step < 2; step++) { // twice: the second pass reuses the shared buffers
            plain.zeroGrad();
            recomputing.zeroGrad();
            double l1 = plain.forwardBackward(in, tg, B, T, 1f);
            double l2 = recomputing.forwardBackward(in, tg, B, T, 1f);
            assertThat(l2).isEqualTo(l1);
            for (int i = 0; i < plain.params().size(); i++) {
                Param p = plain.params().get(i), q = recomputing.params().get(i);
                assertThat(q.g).as(q.name()).containsExactly(p.g);
            }
        }
        assertThat(plain.activationFloats()).isPositive().isEqualTo(CONFIG.layers() * recomputing.activationFloats());
    }

    @Test
    void switchingOffGivesEveryBlockItsOwnBuffersAgain() {
        LlamaTrainModel m = model(true);
        m.forwardBackward(tokens(3), tokens(4), B, T, 1f);
        long shared = m.activationFloats();
        m.setRecompute(false);
        m.forwardBackward(tokens(3), tokens(4), B, T, 1f);
        assertThat(m.activationFloats()).isEqualTo(CONFIG.layers() * shared);
    }

    @Test
    void adaptersAreRefusedWithOneSentence() {
        LlamaTrainModel m = model(true);
        m.linear("blk.0.attn_q.weight").setAdapter(new Linear.Adapter() {
            public void forward(float[] x, float[] y, int n) {}
            public void backward(float[] dy, float[] dx, int n) {}
        });
        assertThatThrownBy(() -> m.forwardBackward(tokens(3), tokens(4), B, T, 1f))
                .isInstanceOf(PithException.class).hasMessageContaining("--recompute").hasMessageContaining("blk.0.attn_q.weight");
    }
}
