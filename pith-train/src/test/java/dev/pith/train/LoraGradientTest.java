package dev.pith.train;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.core.quant.Quantizer;
import dev.pith.model.ModelConfig;
import dev.pith.train.lora.FineTuneSetup;
import dev.pith.train.lora.Lora;
import dev.pith.train.lora.LoraConfig;
import dev.pith.train.lora.LoraLinear;
import dev.pith.train.lora.LoraTarget;
import dev.pith.train.lora.QuantizedBase;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static dev.pith.train.FiniteDifference.check;
import static dev.pith.train.FiniteDifference.dot;
import static dev.pith.train.FiniteDifference.toDouble;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * LoRA's A and B gradients through the whole model against central finite differences of the
 * double-precision reference loss with every adapted weight replaced by W + (α/r)·B·A; the
 * frozen base has no gradient buffers and stays bit-identical through training; QLoRA's
 * dequantize-on-the-fly input gradient against finite differences of the dequantized product.
 */
class LoraGradientTest {
    private static final ModelConfig C = new ModelConfig("llama", 8, 2, 2, 1, 4, 12, 11, 16, 1e-5f, 10000f, 4, false, null, true);
    private final Random rnd = new Random(3);

    private LlamaTrainModel frozenBase() {
        LlamaTrainModel m = new LlamaTrainModel(C, n -> LlamaTrainModel.Storage.FROZEN);
        m.initialize(new Rng(5));
        for (Param p : m.params()) for (int i = 0; i < p.w.length; i++) p.w[i] += (float) (rnd.nextGaussian() * 0.3);
        return m;
    }

    @Test
    void adapterGradientsMatchFiniteDifferences() {
        LlamaTrainModel m = frozenBase();
        LoraConfig cfg = new LoraConfig(2, 3.0, 0.0, EnumSet.allOf(LoraTarget.class));
        Lora lora = Lora.attach(m, cfg, 11);
        for (Param p : m.params()) assertThat(p.g).as("frozen %s has no gradient buffer", p.name()).isNull();
        assertThat(lora.trainableParameters()).isEqualTo(m.trainableParams().stream().mapToLong(Param::size).sum());
        Map<String, double[]> base = new HashMap<>();
        for (Param p : m.params()) base.put(p.name(), toDouble(p.w));
        checkAdapterGradients(m, C, cfg, base, 1e-4);
    }

    /**
     * QLoRA with every matrix in the base's own tensors — the block projections, the token
     * embedding (rows read on lookup) and the tied output head (dequantized tile by tile backward):
     * no matrix has a float copy in the model, and the adapters' gradients through the embedding
     * lookup and the head's dequantize-on-the-fly input gradient match finite differences. The
     * tensors are F32 here so the runtime's product is the reference's up to rounding; the
     * quantized types' own dequantization is checked by the two tests below.
     */
    @Test
    void qloraWithEmbeddingAndTiedHeadInBlocksMatchesFiniteDifferences() {
        LlamaTrainModel source = frozenBase();
        Map<String, double[]> base = new HashMap<>();
        for (Param p : source.params()) base.put(p.name(), toDouble(p.w));
        dev.pith.model.Model stored = ModelBridge.toModel(source, null, java.nio.file.Path.of("base.gguf"));
        LoraConfig cfg = new LoraConfig(2, 3.0, 0.0, EnumSet.allOf(LoraTarget.class));
        var setup = FineTuneSetup.build(stored, FineTuneSetup.Method.QLORA, cfg, null, 0, 11);
        LlamaTrainModel m = setup.model();
        assertThat(m.config().tiedEmbeddings()).isTrue();
        for (Param p : m.params())
            assertThat(p.inHeap()).as("%s held as floats", p.name()).isEqualTo(p.rows() == 1);
        checkAdapterGradients(m, C, cfg, base, 1e-4);
    }

    /** LoRA's A and B gradients (B given values first) against finite differences of the reference loss on W + s·B·A. */
    private void checkAdapterGradients(LlamaTrainModel m, ModelConfig c, LoraConfig cfg, Map<String, double[]> base, double tol) {
        // B starts at zero (PEFT), which would make A's gradient vanish: give it values
        Map<String, Param[]> ab = new HashMap<>();
        for (Param p : m.trainableParams()) {
            if (p.name().endsWith(".lora_b")) for (int i = 0; i < p.w.length; i++) p.w[i] = (float) (rnd.nextGaussian() * 0.5);
            String name = p.name().substring(0, p.name().length() - 7);
            ab.computeIfAbsent(name, k -> new Param[2])[p.name().endsWith(".lora_a") ? 0 : 1] = p;
        }
        int b = 2, t = 5;
        int[] in = new int[b * t], tg = new int[b * t];
        for (int i = 0; i < in.length; i++) {
            in[i] = rnd.nextInt(c.vocabSize());
            tg[i] = rnd.nextInt(c.vocabSize());
        }
        m.zeroGrad();
        double loss = m.forwardBackward(in, tg, b, t, 1f);

        Map<String, double[]> adapters = new HashMap<>();
        for (Param p : m.trainableParams()) adapters.put(p.name(), toDouble(p.w));
        java.util.function.DoubleSupplier f = () -> {
            Map<String, double[]> w = new HashMap<>(base);
            for (var e : ab.entrySet()) {
                Param a = e.getValue()[0], bb = e.getValue()[1];
                double[] ad = adapters.get(a.name()), bd = adapters.get(bb.name()), merged = base.get(e.getKey()).clone();
                int r = a.rows(), inn = a.cols(), out = bb.rows();
                for (int o = 0; o < out; o++)
                    for (int j = 0; j < inn; j++) {
                        double s = 0;
                        for (int k = 0; k < r; k++) s += bd[o * r + k] * ad[k * inn + j];
                        merged[o * inn + j] += cfg.scale() * s;
                    }
                w.put(e.getKey(), merged);
            }
            return LayerGradientTest.referenceLoss(c, w, in, tg, b, t);
        };
        assertThat(loss).isCloseTo(f.getAsDouble(), org.assertj.core.data.Offset.offset(tol < 1e-3 ? 1e-5 : tol));
        for (Param p : m.trainableParams()) check("d" + p.name(), p.g, adapters.get(p.name()), f, tol);
    }

    /** The embedding kept in Q4_0 / Q8_0 blocks: a lookup gives exactly the dequantized rows of its tokens. */
    @Test
    void embeddingRowsFromBlocksEqualDequantizedRows() {
        int dim = 64, vocab = 40;
        float[] w = new float[dim * vocab];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        for (DType type : new DType[] {DType.Q4_0, DType.Q8_0}) {
            Tensor q = new Tensor("token_embd.weight", type, new long[] {dim, vocab}, MemorySegment.ofArray(Quantizer.quantize(type, w, w.length)));
            float[] deq = Dequantizer.dequantize(q);
            Embedding e = new Embedding(Param.storedElsewhere("token_embd.weight", vocab, dim));
            e.setRows(new QuantizedBase(q));
            int[] tokens = {3, 0, 39, 3, 17};
            float[] out = new float[tokens.length * dim];
            e.forward(tokens, tokens.length, out);
            for (int i = 0; i < tokens.length; i++)
                assertThat(java.util.Arrays.copyOfRange(out, i * dim, (i + 1) * dim)).as("%s row %d", type, tokens[i])
                        .isEqualTo(java.util.Arrays.copyOfRange(deq, tokens[i] * dim, (tokens[i] + 1) * dim));
        }
    }

    @Test
    void trainingMovesOnlyTheAdapters() {
        LlamaTrainModel m = frozenBase();
        Map<String, float[]> before = new HashMap<>();
        for (Param p : m.params()) before.put(p.name(), p.w.clone());
        Lora lora = Lora.attach(m, new LoraConfig(2, 4.0, 0.1, EnumSet.of(LoraTarget.Q, LoraTarget.V, LoraTarget.DOWN)), 1);
        float[] b0 = m.trainableParams().get(1).w.clone();
        int[] tokens = new int[400];
        for (int i = 0; i < tokens.length; i++) tokens[i] = (i * 7 + i / 3) % C.vocabSize();
        TrainOptions o = new TrainOptions(20, 2, 8, 1e-2, 1e-3, 2, LrSchedule.Decay.COSINE, 0.0, 0.9, 0.95, 1e-8, 1.0, 1, 9);
        Trainer tr = new Trainer(m, o, TokenSource.of(tokens), TokenSource.of(tokens));
        double first = tr.evaluate(4);
        for (int s = 0; s < 20; s++) tr.trainStep();
        assertThat(tr.evaluate(4)).isLessThan(first);
        for (Param p : m.params()) assertThat(p.w).as("frozen %s", p.name()).isEqualTo(before.get(p.name()));
        assertThat(m.trainableParams().get(1).w).isNotEqualTo(b0);
        assertThat(m.trainableParams()).hasSize(2 * 3 * C.layers());
        // per layer, r·in + out·r for q (8→8), v (8→4) and down (12→8)
        assertThat(lora.trainableParameters()).isEqualTo(C.layers() * ((2 * 8 + 8 * 2) + (2 * 8 + 4 * 2) + (2 * 12 + 8 * 2)));
    }

    @Test
    void evaluationIgnoresDropout() {
        LlamaTrainModel m = frozenBase();
        Lora.attach(m, new LoraConfig(2, 2.0, 0.5, EnumSet.of(LoraTarget.UP)), 2);
        for (Param p : m.trainableParams()) for (int i = 0; i < p.w.length; i++) p.w[i] = (float) rnd.nextGaussian();
        int[] in = {1, 2, 3, 4}, tg = {2, 3, 4, 5};
        double a = m.loss(in, tg, 1, 4), b = m.loss(in, tg, 1, 4);
        assertThat(a).isEqualTo(b);
        m.zeroGrad();
        assertThat(m.forwardBackward(in, tg, 1, 4, 1f)).isNotEqualTo(a); // dropout is on while training
    }

    @Test
    void quantizedBaseInputGradientMatchesFiniteDifferences() {
        int in = 64, out = 70, n = 3;
        float[] w = new float[in * out];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        for (DType type : new DType[] {DType.Q4_0, DType.Q8_0}) {
            Tensor q = new Tensor("w", type, new long[] {in, out}, MemorySegment.ofArray(Quantizer.quantize(type, w, w.length)));
            double[] wd = toDouble(Dequantizer.dequantize(q));
            float[] x = new float[n * in], r = new float[n * out], y = new float[n * out], dx = new float[n * in];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            for (int i = 0; i < r.length; i++) r[i] = (float) rnd.nextGaussian();
            QuantizedBase base = new QuantizedBase(q);
            base.forward(x, y, n);
            double[] xd = toDouble(x), rd = toDouble(r);
            double[] ref = Reference.linear(xd, wd, n, in, out);
            // the forward quantizes activations as llama.cpp does (Q8_0 for these types): close, not exact
            for (int i = 0; i < y.length; i++) assertThat((double) y[i]).isCloseTo(ref[i], org.assertj.core.data.Offset.offset(0.05 * Math.sqrt(in)));
            base.backwardInput(r, dx, n, false);
            check(type + " dx", dx, xd, () -> dot(rd, Reference.linear(xd, wd, n, in, out)), 1e-5);
            // accumulate adds to what is there
            float[] dx2 = dx.clone();
            base.backwardInput(r, dx2, n, true);
            for (int i = 0; i < dx.length; i++) assertThat(dx2[i]).isCloseTo(2 * dx[i], org.assertj.core.data.Offset.offset(1e-4f));
        }
    }

    @Test
    void loraInitialisationFollowsPeft() {
        Param a = new Param("a", 4, 100, false), b = new Param("b", 6, 4, false);
        LoraLinear.initialize(a, b, new Rng(1));
        double bound = 0.1;
        for (float v : a.w) assertThat((double) Math.abs(v)).isLessThanOrEqualTo(bound);
        assertThat(b.w).containsOnly(0f);
        double var = 0;
        for (float v : a.w) var += v * v;
        assertThat(var / a.w.length).isCloseTo(bound * bound / 3, org.assertj.core.data.Offset.offset(0.001)); // U(−b, b) has variance b²/3
    }
}
