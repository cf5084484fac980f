package dev.pith.model.runtime;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.core.kernel.HalfRound;
import dev.pith.core.kernel.MatMul;
import dev.pith.core.kernel.MatMulScalar;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.sparse.SparseMatMul;
import dev.pith.model.sparse.SparseMatMulScalar;
import dev.pith.model.sparse.SparseMode;
import dev.pith.model.sparse.SparseWeight;
import dev.pith.model.sparse.Sparsify;

import java.util.HashMap;
import java.util.Map;

/**
 * The Llama-family forward pass (Llama 1-3, Mistral, Qwen2, SmolLM, TinyLlama, llama2.c models) with
 * a KV cache: RMSNorm, RoPE, grouped-query attention, SwiGLU, tied or untied output head, optional
 * q/k/v biases. Prompts go through in batches (one matrix product per weight per batch); each
 * generated token is a batch of one.
 *
 * <p>Numerics follow llama.cpp's CPU backend step by step, so logits agree with it to float
 * rounding. A Transformer is stateful (its cache and position) and not thread-safe; it uses the
 * shared {@link Parallel} pool inside each step.
 */
public final class Transformer {
    private final Model model;
    private final ModelConfig c;
    private final RuntimeOptions options;
    private final LayerWeights[] layers;
    // Per layer, the products that read the same input: {wq, wk, wv} and {wGate, wUp}.
    private final Tensor[][] qkv, gateUp;
    // Block matrices held sparsely (by tensor name), multiplied by the sparse kernels instead.
    private final Map<String, SparseWeight> sparse = new HashMap<>();
    private final float[] outputNorm;
    private final Tensor embedding;
    private final Tensor output;
    private final Rope rope;
    private final int ctx;
    private final boolean halfCache;
    // KV cache: per layer, positions × kvDim floats (values already rounded when the cache is F16).
    private final float[][] keyCache;
    private final float[][] valueCache;
    private int pos;
    private Workspace ws;
    private ActivationObserver observer;
    // Adapters loaded by name, applied unmerged at matmul time; the active one (null: the base alone).
    private final java.util.Map<String, RuntimeAdapter> adapters = new java.util.LinkedHashMap<>();
    private RuntimeAdapter active;
    private float[] loraT = new float[0], loraY = new float[0];

    public Transformer(Model model) { this(model, RuntimeOptions.defaults()); }

    public Transformer(Model model, RuntimeOptions options) {
        this.model = model;
        this.c = model.config();
        this.options = options;
        this.layers = new LayerWeights[c.layers()];
        for (int l = 0; l < c.layers(); l++) layers[l] = LayerWeights.of(model, l);
        this.qkv = new Tensor[c.layers()][];
        this.gateUp = new Tensor[c.layers()][];
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights lw = layers[l];
            qkv[l] = new Tensor[] {lw.wq(), lw.wk(), lw.wv()};
            gateUp[l] = new Tensor[] {lw.wGate(), lw.wUp()};
        }
        if (options.sparse() != SparseMode.OFF) {
            for (LayerWeights lw : layers) {
                for (Tensor w : lw.matrices()) {
                    SparseWeight s = Sparsify.of(w, options.sparse() == SparseMode.ON);
                    if (s != null) sparse.put(w.name(), s);
                }
            }
        }
        this.outputNorm = LayerWeights.vector(model, "output_norm.weight", c.dim());
        this.embedding = LayerWeights.matrix(model, "token_embd.weight", c.dim(), c.vocabSize());
        this.output = model.has("output.weight")
                ? LayerWeights.matrix(model, "output.weight", c.dim(), c.vocabSize())
                : embedding;
        float[] freqFactors = model.has("rope_freqs.weight") ? LayerWeights.vector(model, "rope_freqs.weight", c.ropeDim() / 2) : null;
        this.rope = new Rope(c, freqFactors);
        this.ctx = options.contextLength() > 0 ? options.contextLength() : c.contextLength();
        this.halfCache = options.kvType() == DType.F16;
        this.keyCache = new float[c.layers()][];
        this.valueCache = new float[c.layers()][];
        // The cache grows with the sequence (attention), up to ctx: reserving the whole context up front
        // made `pith generate` on llama-3.2-1b (131,072 tokens: 8.6 GB of f32 keys and values) run out of
        // memory before its first token.
        int first = Math.min(ctx, INITIAL_CACHE_TOKENS);
        for (int l = 0; l < c.layers(); l++) {
            keyCache[l] = new float[Math.multiplyExact(first, c.kvDim())];
            valueCache[l] = new float[Math.multiplyExact(first, c.kvDim())];
        }
    }

    /** Tokens of KV cache a new runtime holds before its sequence asks for more. */
    private static final int INITIAL_CACHE_TOKENS = 512;

    /** Layer l's cache made room for {@code tokens} positions: doubled (at most ctx), the positions so far copied. */
    private void reserve(int l, int tokens) {
        int kvDim = c.kvDim();
        if (keyCache[l].length >= (long) tokens * kvDim) return;
        int grown = (int) Math.min(ctx, Math.max(tokens, 2L * keyCache[l].length / kvDim));
        keyCache[l] = java.util.Arrays.copyOf(keyCache[l], Math.multiplyExact(grown, kvDim));
        valueCache[l] = java.util.Arrays.copyOf(valueCache[l], Math.multiplyExact(grown, kvDim));
    }

    public Model model() { return model; }
    public ModelConfig config() { return c; }
    public RuntimeOptions options() { return options; }

    /** Block matrices the runtime holds in a sparse form. */
    public int sparseMatrices() { return sparse.size(); }

    /**
     * Bytes of the block matrices as the runtime multiplies them: a sparse form's own size, else the
     * tensor's (a mapped dense tensor stays mapped but is not read once its sparse form exists).
     */
    public long blockMatrixBytes() {
        long b = 0;
        for (LayerWeights lw : layers) {
            for (Tensor w : lw.matrices()) {
                SparseWeight s = sparse.get(w.name());
                b += s != null ? s.byteSize() : w.byteSize();
            }
        }
        return b;
    }

    /** Shows every later forward pass's activations to {@code o} (null: to nobody). */
    public void observe(ActivationObserver o) { this.observer = o; }

    /** Makes {@code a} available under its name (replacing one of the same name); the base weights are shared, not copied. */
    public void loadAdapter(RuntimeAdapter a) {
        RuntimeAdapter old = adapters.put(a.name(), a);
        if (old != null && old == active) useAdapter(a.name());
    }

    /** Names of the loaded adapters. */
    public java.util.Set<String> adapterNames() { return java.util.Collections.unmodifiableSet(adapters.keySet()); }

    /**
     * Applies adapter {@code name} from the next forward pass on (null: none). Switching clears the
     * cache, whose keys and values were computed under the previous adapter.
     */
    public void useAdapter(String name) {
        RuntimeAdapter next = null;
        if (name != null) {
            next = adapters.get(name);
            if (next == null) throw new PithException("no adapter named '" + name + "' is loaded (loaded: " + String.join(", ", adapters.keySet()) + ").");
        }
        if (next != active) pos = 0;
        active = next;
    }

    /** The adapter in use, or null. */
    public String activeAdapter() { return active == null ? null : active.name(); }

    /** Tokens the cache holds. */
    public int contextLength() { return ctx; }

    /** Number of tokens already in the cache (the position of the next token). */
    public int position() { return pos; }

    /** Forgets every cached token. */
    public void reset() { pos = 0; }

    /** Drops cached tokens from position {@code n} on, so a shared prefix need not be recomputed. */
    public void truncate(int n) {
        if (n < 0 || n > pos) throw new IllegalArgumentException("cannot truncate to " + n + " of " + pos + " tokens");
        pos = n;
    }

    /** Appends tokens to the sequence and returns the logits after the last one (vocabSize floats). */
    public float[] forward(int[] tokens) {
        float[] last = new float[c.vocabSize()];
        run(tokens, -1, last, null);
        return last;
    }

    /** Appends tokens and returns the logits after every one of them (tokens.length × vocabSize). */
    public float[] forwardAll(int[] tokens) {
        float[] all = new float[Math.multiplyExact(tokens.length, c.vocabSize())];
        run(tokens, 0, null, all);
        return all;
    }

    /**
     * Appends tokens and writes the logits after tokens[from ..] into dst[0 .. (tokens.length − from)·vocabSize):
     * only those positions go through the output head (llama-perplexity asks for the scored half of a
     * chunk only; on llama-3.2-1b the head is a fifth of the model's multiply-adds), and the caller's
     * buffer is reused (a new array of every logit per chunk was 262 MB of garbage for a 512-token chunk).
     */
    public void forwardFrom(int[] tokens, int from, float[] dst) {
        if (from < 0 || from >= tokens.length) throw new IllegalArgumentException("from " + from + " is outside the " + tokens.length + " tokens");
        if (dst.length < (long) (tokens.length - from) * c.vocabSize()) {
            throw new IllegalArgumentException("logits of " + (tokens.length - from) + " positions need " + (long) (tokens.length - from) * c.vocabSize() + " floats, dst has " + dst.length);
        }
        run(tokens, from, null, dst);
    }

    /** logitsFrom: −1 for the last token's logits into last, else those after tokens[logitsFrom ..] into all. */
    private void run(int[] tokens, int logitsFrom, float[] last, float[] all) {
        if (tokens.length == 0) throw new IllegalArgumentException("no tokens to process");
        if (pos + tokens.length > ctx)
            throw new PithException("the sequence (" + (pos + tokens.length) + " tokens) does not fit the context of " + ctx + " tokens.");
        for (int t : tokens) {
            if (t < 0 || t >= c.vocabSize()) throw new PithException("token id " + t + " is outside the vocabulary of " + c.vocabSize() + ".");
        }
        int done = 0;
        while (done < tokens.length) {
            int n = Math.min(options.batchSize(), tokens.length - done);
            Workspace w = workspace(n);
            forwardBatch(tokens, done, n, w);
            boolean isLastBatch = done + n == tokens.length;
            if (logitsFrom >= 0) {
                int lo = Math.max(done, logitsFrom), hi = done + n;
                if (lo < hi) logits(w, lo - done, hi - lo, all, (lo - logitsFrom) * c.vocabSize());
            } else if (isLastBatch) {
                logits(w, n - 1, 1, last, 0);
            }
            done += n;
        }
    }

    private Workspace workspace(int n) {
        if (ws == null || ws.capacity < n) ws = new Workspace(c, n, ctx);
        return ws;
    }

    /** Runs n tokens (tokens[from .. from+n)) through every layer; leaves the final hidden states in w.x. */
    private void forwardBatch(int[] tokens, int from, int n, Workspace w) {
        int dim = c.dim();
        for (int i = 0; i < n; i++) MatMul.getRow(embedding, tokens[from + i], w.x, i * dim);
        // One cos/sin table per position of the batch, shared by every layer.
        int half = rope.tableSize();
        for (int i = 0; i < n; i++) rope.angles(pos + i, w.cos, w.sin, i * half);
        for (int l = 0; l < c.layers(); l++) {
            if (observer != null) observer.hiddenState(l, w.x, n, dim);
            LayerWeights lw = layers[l];
            attention(l, lw, n, w);
            feedForward(l, lw, n, w);
        }
        if (observer != null) observer.hiddenState(c.layers(), w.x, n, dim);
        pos += n;
    }

    private void matmul(Tensor weight, float[] x, int n, float[] out) {
        observe(weight, x, n);
        product(weight, x, n, out);
        adapt(weight, x, n, out);
    }

    /**
     * outs[i] = ws[i] · x for matrices that read the same input. One token (generation) on the
     * dense fast path goes through {@link MatMul#matvecAll}: one hand-off to the threads for all of
     * them, the same bits as one product at a time; otherwise one {@link #matmul} each.
     */
    private void matmulAll(Tensor[] ws, float[] x, int n, float[][] outs) {
        if (n != 1 || options.reference() || !sparse.isEmpty()) {
            for (int i = 0; i < ws.length; i++) matmul(ws[i], x, n, outs[i]);
            return;
        }
        for (Tensor w : ws) observe(w, x, n);
        MatMul.matvecAll(ws, x, outs);
        for (int i = 0; i < ws.length; i++) adapt(ws[i], x, n, outs[i]);
    }

    /** Shows the observer (if any) the input of the product with {@code weight}. */
    private void observe(Tensor weight, float[] x, int n) {
        if (observer != null) observer.linearInput(weight.name(), x, n, weight.cols());
    }

    /** out += the active adapter's low-rank update for {@code weight}, if it has one. */
    private void adapt(Tensor weight, float[] x, int n, float[] out) {
        RuntimeAdapter.Delta d = active == null ? null : active.delta(weight.name());
        if (d != null) addLora(d, x, n, out);
    }

    private void product(Tensor weight, float[] x, int n, float[] out) {
        SparseWeight s = sparse.isEmpty() ? null : sparse.get(weight.name());
        if (s != null) {
            if (options.reference()) SparseMatMulScalar.matmul(s, x, n, out);
            else SparseMatMul.matmul(s, x, n, out);
            return;
        }
        if (options.reference()) MatMulScalar.matmul(weight, x, n, out);
        else MatMul.matmul(weight, x, n, out);
    }

    /** out += s·(x·Aᵀ)·Bᵀ: two thin products through the same kernels as the base, nothing of W's size. */
    private void addLora(RuntimeAdapter.Delta d, float[] x, int n, float[] out) {
        int r = d.rank(), rows = d.b().rows();
        if (loraT.length < n * r) loraT = new float[n * r];
        if (loraY.length < n * rows) loraY = new float[n * rows];
        product(d.a(), x, n, loraT);
        product(d.b(), loraT, n, loraY);
        float s = d.scale();
        for (int i = 0; i < n * rows; i++) out[i] += s * loraY[i];
    }

    private void rmsNorm(float[] out, float[] x, float[] weight, int n) {
        int dim = c.dim();
        if (options.reference()) {
            for (int i = 0; i < n; i++) Ops.rmsNorm(out, i * dim, x, i * dim, weight, dim, c.rmsEps());
        } else if (n == 1) {
            VectorOps.rmsNorm(out, 0, x, 0, weight, dim, c.rmsEps());
        } else {
            Parallel.forRange(n, 8, (a, b) -> {
                for (int i = a; i < b; i++) VectorOps.rmsNorm(out, i * dim, x, i * dim, weight, dim, c.rmsEps());
            });
        }
    }

    /** Batches of at least this many tokens take {@link PromptAttention} (tokens in lanes); smaller ones go token by token. */
    static final int PROMPT_ATTENTION_MIN = 8;

    private void attention(int l, LayerWeights lw, int n, Workspace w) {
        int qDim = c.qDim(), kvDim = c.kvDim(), headDim = c.headDim();
        rmsNorm(w.xb, w.x, lw.attnNorm(), n);
        matmulAll(qkv[l], w.xb, n, w.qkv);
        int half = rope.tableSize();
        for (int i = 0; i < n; i++) {
            addBias(w.q, i * qDim, lw.bq());
            addBias(w.k, i * kvDim, lw.bk());
            addBias(w.v, i * kvDim, lw.bv());
            rope.rotate(w.q, i * qDim, c.heads(), headDim, w.cos, w.sin, i * half);
            rope.rotate(w.k, i * kvDim, c.kvHeads(), headDim, w.cos, w.sin, i * half);
        }
        reserve(l, pos + n);
        float[] kc = keyCache[l], vc = valueCache[l];
        int dst = pos * kvDim;
        if (halfCache) {
            for (int j = 0; j < n * kvDim; j++) {
                kc[dst + j] = Ops.toHalf(w.k[j]);
                vc[dst + j] = Ops.toHalf(w.v[j]);
            }
        } else {
            System.arraycopy(w.k, 0, kc, dst, n * kvDim);
            System.arraycopy(w.v, 0, vc, dst, n * kvDim);
        }
        int heads = c.heads();
        if (!options.reference() && n >= PROMPT_ATTENTION_MIN && PromptAttention.supports(headDim)) {
            // Prompt batches: a block of consecutive tokens per task, tokens in the lanes. The last
            // blocks see the most positions, so tasks run from the last block back (dynamic chunks then balance).
            int bt = PromptAttention.B, blocks = (n + bt - 1) / bt, group = heads / c.kvHeads();
            Parallel.forRange(blocks * heads, (fromTask, toTask) -> {
                PromptAttention.Scratch s = PromptAttention.Scratch.get(pos + n, headDim);
                for (int task = fromTask; task < toTask; task++) {
                    int b = blocks - 1 - task / heads, h = task % heads, i0 = b * bt;
                    PromptAttention.block(w.q, qDim, h, headDim, i0, Math.min(bt, n - i0), pos, kc, vc, kvDim, (h / group) * headDim,
                            halfCache, w.att, s);
                }
            });
        } else {
            Parallel.forRange(n * heads, (fromTask, toTask) -> {
                Scratch s = Scratch.get(ctx, headDim);
                for (int task = fromTask; task < toTask; task++) head(task / heads, task % heads, kc, vc, w, s);
            });
        }
        matmul(lw.wo(), w.att, n, w.xb);
        residual(w, n);
    }

    /**
     * Attention of batch token i, query head h, over cached positions 0 .. pos+i (causal): scores
     * q·k/sqrt(d), softmax, weighted sum of values. With an F16 cache the query and the
     * probabilities are rounded to half first, as ggml converts them for its F16 products.
     */
    private void head(int i, int h, float[] kc, float[] vc, Workspace w, Scratch s) {
        int qDim = c.qDim(), kvDim = c.kvDim(), headDim = c.headDim();
        int kvh = h / (c.heads() / c.kvHeads());
        int len = pos + i + 1;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[] qh = s.qh, scores = s.scores;
        for (int d = 0; d < headDim; d++) {
            float qv = w.q[i * qDim + h * headDim + d];
            qh[d] = halfCache ? Ops.toHalf(qv) : qv;
        }
        int out = i * qDim + h * headDim;
        int kvOff = kvh * headDim;
        if (options.reference()) {
            for (int t = 0; t < len; t++) {
                int kOff = t * kvDim + kvOff;
                float sum = 0;
                for (int d = 0; d < headDim; d++) sum += qh[d] * kc[kOff + d];
                scores[t] = sum * scale;
            }
            Ops.softmax(scores, 0, len);
            for (int d = 0; d < headDim; d++) w.att[out + d] = 0;
            for (int t = 0; t < len; t++) {
                float p = halfCache ? Ops.toHalf(scores[t]) : scores[t];
                int vOff = t * kvDim + kvOff;
                for (int d = 0; d < headDim; d++) w.att[out + d] += p * vc[vOff + d];
            }
        } else {
            VectorOps.scores(qh, kc, kvOff, kvDim, len, headDim, scale, scores);
            VectorOps.softmax(scores, 0, len);
            if (halfCache) HalfRound.round(scores, scores, 0, len); // = Ops.toHalf per value, lane-wise (HalfRoundTest)
            VectorOps.weightedSum(scores, len, vc, kvOff, kvDim, w.att, out, headDim);
        }
    }

    /** Per-thread attention buffers, grown on demand and kept, so no step allocates. */
    private static final class Scratch {
        private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);
        float[] scores = new float[0], qh = new float[0];

        static Scratch get(int ctx, int headDim) {
            Scratch s = PER_THREAD.get();
            if (s.scores.length < ctx) s.scores = new float[ctx];
            if (s.qh.length < headDim) s.qh = new float[headDim];
            return s;
        }
    }

    private void feedForward(int l, LayerWeights lw, int n, Workspace w) {
        int ffn = lw.wGate().rows();   // this block's width (widths may differ per block)
        rmsNorm(w.xb, w.x, lw.ffnNorm(), n);
        matmulAll(gateUp[l], w.xb, n, w.gateUp);
        if (options.reference()) {
            Ops.swiglu(w.hb, w.hb2, n * ffn);
        } else if (n == 1) {
            VectorOps.swiglu(w.hb, w.hb2, 0, ffn);
        } else {
            Parallel.forRange(n, 8, (a, b) -> VectorOps.swiglu(w.hb, w.hb2, a * ffn, (b - a) * ffn));
        }
        matmul(lw.wDown(), w.hb, n, w.xb);
        residual(w, n);
    }

    /** x += xb over n tokens (the residual connection); a prompt's tokens split over the threads (serial, it was ~1.5 % of a prompt). */
    private void residual(Workspace w, int n) {
        int dim = c.dim();
        if (options.reference()) {
            for (int j = 0; j < n * dim; j++) w.x[j] += w.xb[j];
        } else if (n < 8) {
            VectorOps.add(w.x, w.xb, n * dim);
        } else {
            Parallel.forRange(n, 4, (a, b) -> VectorOps.add(w.x, a * dim, w.xb, a * dim, (b - a) * dim));
        }
    }

    /** Logits for count tokens of the batch starting at index first, written to dst at dstOff. */
    private void logits(Workspace w, int first, int count, float[] dst, int dstOff) {
        int dim = c.dim(), vocab = c.vocabSize();
        float[] normed = new float[count * dim];
        for (int i = 0; i < count; i++) {
            if (options.reference()) Ops.rmsNorm(normed, i * dim, w.x, (first + i) * dim, outputNorm, dim, c.rmsEps());
            else VectorOps.rmsNorm(normed, i * dim, w.x, (first + i) * dim, outputNorm, dim, c.rmsEps());
        }
        if (dstOff == 0 && dst.length == count * vocab) {
            matmul(output, normed, count, dst);
        } else {
            float[] tmp = new float[count * vocab];
            matmul(output, normed, count, tmp);
            System.arraycopy(tmp, 0, dst, dstOff, count * vocab);
        }
    }

    private static void addBias(float[] v, int off, float[] bias) {
        if (bias == null) return;
        for (int j = 0; j < bias.length; j++) v[off + j] += bias[j];
    }

    /** Activation buffers for batches of up to {@code capacity} tokens, reused across steps. */
    private static final class Workspace {
        final int capacity;
        final float[] x, xb, q, k, v, att, hb, hb2, cos, sin;
        final float[][] qkv, gateUp;

        Workspace(ModelConfig c, int capacity, int ctx) {
            this.capacity = capacity;
            x = new float[capacity * c.dim()];
            xb = new float[capacity * Math.max(c.dim(), c.qDim())];
            q = new float[capacity * c.qDim()];
            k = new float[capacity * c.kvDim()];
            v = new float[capacity * c.kvDim()];
            att = new float[capacity * c.qDim()];
            hb = new float[capacity * c.ffnDim()];
            hb2 = new float[capacity * c.ffnDim()];
            cos = new float[capacity * Math.max(1, c.ropeDim() / 2)];
            sin = new float[capacity * Math.max(1, c.ropeDim() / 2)];
            qkv = new float[][] {q, k, v};
            gateUp = new float[][] {hb, hb2};
        }
    }
}
