package dev.pith.train;

import dev.pith.model.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static dev.pith.train.FiniteDifference.check;
import static dev.pith.train.FiniteDifference.dot;
import static dev.pith.train.FiniteDifference.toDouble;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every layer's float32 backward against central finite differences of its double-precision
 * reference forward ({@link Reference}). The objective is Σ R ⊙ layer(x) for a random R, so the
 * analytic gradients are the layer's backward with output gradient R.
 */
class LayerGradientTest {
    private static final double TOL = 1e-4;
    private final Random rnd = new Random(42);

    private float[] randn(int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * std);
        return a;
    }

    private Param param(String name, int rows, int cols, double std) {
        Param p = new Param(name, rows, cols, rows > 1);
        float[] v = randn(rows * cols, std);
        System.arraycopy(v, 0, p.w, 0, v.length);
        return p;
    }

    @Test
    void rmsNorm() {
        int n = 3, dim = 8;
        Param w = param("w", 1, dim, 1);
        for (int i = 0; i < dim; i++) w.w[i] += 1;
        float[] x = randn(n * dim, 1.5), r = randn(n * dim, 1), y = new float[n * dim], dx = new float[n * dim];
        RmsNorm norm = new RmsNorm(w, 1e-5f);
        norm.forward(x, y, n);
        norm.backward(r, dx, n);
        double[] xd = toDouble(x), wd = toDouble(w.w), rd = toDouble(r);
        double[] yd = Reference.rmsNorm(xd, wd, n, dim, 1e-5);
        for (int i = 0; i < y.length; i++) assertThat((double) y[i]).isCloseTo(yd[i], org.assertj.core.data.Offset.offset(1e-5));
        check("rmsnorm dx", dx, xd, () -> dot(rd, Reference.rmsNorm(xd, wd, n, dim, 1e-5)), TOL);
        check("rmsnorm dw", w.g, wd, () -> dot(rd, Reference.rmsNorm(xd, wd, n, dim, 1e-5)), TOL);
    }

    @Test
    void linear() {
        int n = 5, in = 7, out = 9;
        Param w = param("w", out, in, 0.5);
        float[] x = randn(n * in, 1), r = randn(n * out, 1), y = new float[n * out], dx = new float[n * in];
        Linear lin = new Linear(w);
        lin.forward(x, y, n);
        lin.backward(r, dx, n, false);
        double[] xd = toDouble(x), wd = toDouble(w.w), rd = toDouble(r);
        check("linear dx", dx, xd, () -> dot(rd, Reference.linear(xd, wd, n, in, out)), TOL);
        check("linear dw", w.g, wd, () -> dot(rd, Reference.linear(xd, wd, n, in, out)), TOL);
    }

    @Test
    void attentionWithRopeAndGroupedHeads() {
        int b = 2, t = 5, heads = 4, kvHeads = 2, hd = 4, dim = heads * hd;
        float base = 10000f;
        Param q = param("q", heads * hd, dim, 0.4), k = param("k", kvHeads * hd, dim, 0.4);
        Param v = param("v", kvHeads * hd, dim, 0.4), o = param("o", dim, heads * hd, 0.4);
        Attention att = new Attention(q, k, v, o, heads, kvHeads, hd, new RopeTable(t, hd, hd, base));
        float[] x = randn(b * t * dim, 1), r = randn(b * t * dim, 1), y = new float[b * t * dim], dx = new float[b * t * dim];
        att.forward(x, y, b, t);
        att.backward(r, dx, false);
        double[] xd = toDouble(x), qd = toDouble(q.w), kd = toDouble(k.w), vd = toDouble(v.w), od = toDouble(o.w), rd = toDouble(r);
        java.util.function.DoubleSupplier f = () -> dot(rd, Reference.attention(xd, qd, kd, vd, od, b, t, dim, heads, kvHeads, hd, base));
        double[] yd = Reference.attention(xd, qd, kd, vd, od, b, t, dim, heads, kvHeads, hd, base);
        for (int i = 0; i < y.length; i++) assertThat((double) y[i]).isCloseTo(yd[i], org.assertj.core.data.Offset.offset(1e-5));
        check("attention dx", dx, xd, f, TOL);
        check("attention dwq", q.g, qd, f, TOL);
        check("attention dwk", k.g, kd, f, TOL);
        check("attention dwv", v.g, vd, f, TOL);
        check("attention dwo", o.g, od, f, TOL);
    }

    @Test
    void swiGlu() {
        int n = 4, dim = 6, ffn = 10;
        Param g = param("g", ffn, dim, 0.6), u = param("u", ffn, dim, 0.6), d = param("d", dim, ffn, 0.6);
        SwiGlu mlp = new SwiGlu(g, u, d);
        float[] x = randn(n * dim, 1), r = randn(n * dim, 1), y = new float[n * dim], dx = new float[n * dim];
        mlp.forward(x, y, n);
        mlp.backward(r, dx, false);
        double[] xd = toDouble(x), gd = toDouble(g.w), ud = toDouble(u.w), dd = toDouble(d.w), rd = toDouble(r);
        java.util.function.DoubleSupplier f = () -> dot(rd, Reference.swiglu(xd, gd, ud, dd, n, dim, ffn));
        check("swiglu dx", dx, xd, f, TOL);
        check("swiglu dgate", g.g, gd, f, TOL);
        check("swiglu dup", u.g, ud, f, TOL);
        check("swiglu ddown", d.g, dd, f, TOL);
    }

    @Test
    void fusedSoftmaxCrossEntropy() {
        int n = 6, vocab = 9;
        float[] logits = randn(n * vocab, 2);
        int[] targets = new int[n];
        for (int i = 0; i < n; i++) targets[i] = rnd.nextInt(vocab);
        double[] ld = toDouble(logits);
        float[] grad = logits.clone();
        double loss = CrossEntropy.forwardBackward(grad, targets, n, vocab, 1f);
        assertThat(loss).isCloseTo(Reference.crossEntropy(ld, targets, n, vocab), org.assertj.core.data.Offset.offset(1e-6));
        check("cross-entropy dlogits", grad, ld, () -> Reference.crossEntropy(ld, targets, n, vocab), TOL);
    }

    @Test
    void embeddingScattersRepeatedTokens() {
        int vocab = 5, dim = 3;
        Param table = param("e", vocab, dim, 1);
        Embedding e = new Embedding(table);
        int[] tokens = {1, 3, 1, 4};
        float[] out = new float[tokens.length * dim], r = randn(tokens.length * dim, 1);
        e.forward(tokens, tokens.length, out);
        e.backward(tokens, tokens.length, r);
        double[] td = toDouble(table.w), rd = toDouble(r);
        check("embedding dtable", table.g, td, () -> {
            double s = 0;
            for (int i = 0; i < tokens.length; i++)
                for (int j = 0; j < dim; j++) s += rd[i * dim + j] * td[tokens[i] * dim + j];
            return s;
        }, TOL);
    }

    /** The whole model: embedding → blocks → norm → head → cross-entropy, tied and untied. */
    @Test
    void wholeModelUntiedWithGqa() { wholeModel(false); }

    @Test
    void wholeModelTied() { wholeModel(true); }

    private void wholeModel(boolean tied) {
        ModelConfig c = new ModelConfig("llama", 8, 2, 2, 1, 4, 12, 11, 16, 1e-5f, 10000f, 4, false, null, tied);
        LlamaTrainModel m = new LlamaTrainModel(c);
        m.initialize(new Rng(7));
        for (Param p : m.params()) for (int i = 0; i < p.w.length; i++) p.w[i] += (float) (rnd.nextGaussian() * 0.3); // not tiny: real gradients everywhere
        int b = 2, t = 5;
        int[] in = new int[b * t], tg = new int[b * t];
        for (int i = 0; i < in.length; i++) {
            in[i] = rnd.nextInt(c.vocabSize());
            tg[i] = rnd.nextInt(c.vocabSize());
        }
        m.zeroGrad();
        double loss = m.forwardBackward(in, tg, b, t, 1f);
        Map<String, double[]> w = new HashMap<>();
        for (Param p : m.params()) w.put(p.name(), toDouble(p.w));
        java.util.function.DoubleSupplier f = () -> referenceLoss(c, w, in, tg, b, t);
        assertThat(loss).isCloseTo(f.getAsDouble(), org.assertj.core.data.Offset.offset(1e-5));
        for (Param p : m.params()) check("model d" + p.name(), p.g, w.get(p.name()), f, TOL);
    }

    static double referenceLoss(ModelConfig c, Map<String, double[]> w, int[] in, int[] tg, int b, int t) {
        int n = b * t, dim = c.dim();
        double[] emb = w.get("token_embd.weight");
        double[] x = new double[n * dim];
        for (int i = 0; i < n; i++) System.arraycopy(emb, in[i] * dim, x, i * dim, dim);
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            double[] a = Reference.attention(Reference.rmsNorm(x, w.get(p + "attn_norm.weight"), n, dim, c.rmsEps()),
                    w.get(p + "attn_q.weight"), w.get(p + "attn_k.weight"), w.get(p + "attn_v.weight"), w.get(p + "attn_output.weight"),
                    b, t, dim, c.heads(), c.kvHeads(), c.headDim(), c.ropeTheta());
            for (int i = 0; i < x.length; i++) x[i] += a[i];
            double[] m = Reference.swiglu(Reference.rmsNorm(x, w.get(p + "ffn_norm.weight"), n, dim, c.rmsEps()),
                    w.get(p + "ffn_gate.weight"), w.get(p + "ffn_up.weight"), w.get(p + "ffn_down.weight"), n, dim, c.ffnDim());
            for (int i = 0; i < x.length; i++) x[i] += m[i];
        }
        double[] xf = Reference.rmsNorm(x, w.get("output_norm.weight"), n, dim, c.rmsEps());
        double[] head = c.tiedEmbeddings() ? emb : w.get("output.weight");
        return Reference.crossEntropy(Reference.linear(xf, head, n, dim, c.vocabSize()), tg, n, c.vocabSize());
    }
}
