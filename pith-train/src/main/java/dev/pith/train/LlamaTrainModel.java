package dev.pith.train;

import dev.pith.core.PithException;
import dev.pith.model.ModelConfig;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A Llama-family decoder that can learn: embedding, blocks of RMSNorm → attention (RoPE, GQA,
 * causal) and RMSNorm → SwiGLU, final RMSNorm, output head (tied to the embedding or its own
 * matrix), fused softmax cross-entropy. Explicit forward and backward per layer, each layer owning
 * its parameters, gradients and saved activations (no autograd tape). Parameters carry their GGUF
 * names, so export is a rename-free copy.
 *
 * <p>For fine-tuning, a {@link Storage} per parameter name makes base weights frozen (no gradient
 * buffer) or stored elsewhere (a quantized base read through {@link Linear.FrozenBase}); adapters
 * hook into the projections found by {@link #linear(String)} and register their own parameters
 * with {@link #addTrainable(Param)}. The optimizer sees {@link #trainableParams()} only.
 */
public final class LlamaTrainModel {
    private final ModelConfig config;
    /** How a parameter of the base model is held: trained, frozen in float32, or frozen outside the heap (matrices only). */
    public enum Storage { TRAINABLE, FROZEN, ELSEWHERE }

    /**
     * How a micro-batch uses the threads: {@code OPS} splits each matrix product and element-wise
     * pass over them; {@code BATCH} gives each thread whole sequences to run forward and backward
     * alone (see {@link BatchSplit}); {@code AUTO} picks BATCH when each product's share of work is
     * small (hand-offs would dominate) and OPS otherwise.
     */
    public enum Parallelism { AUTO, OPS, BATCH }

    /**
     * AUTO's threshold: multiply-adds of one dim×dim projection over a thread's share of the tokens.
     * Below it a product takes well under a millisecond and a step has hundreds of them, so the
     * per-operation hand-offs cost more than batch parallelism's extra gradient buffers and final sum.
     * nanoGPT's shakespeare-char shape (384 tokens × 128² per thread at 2 threads, 6.3 M) falls below;
     * the 6×384 model at block 256 (1,024 × 384², 151 M) above.
     */
    static final long AUTO_BATCH_MAX_WORK = 1L << 25;

    private final List<Param> params = new ArrayList<>();
    private final List<Param> extra = new ArrayList<>();
    private final Map<String, Linear> linears = new java.util.LinkedHashMap<>();
    private final Function<String, Storage> storage;
    private boolean training;
    private boolean recompute;
    private Parallelism parallelism = Parallelism.AUTO;
    private BatchSplit split;
    /** The model this one is a replica of (shares its weights), or null. */
    private final LlamaTrainModel source;
    private final Embedding embedding;
    private final Block[] blocks;
    private final RmsNorm finalNorm;
    private final Linear head;
    private RopeTable rope;
    private int batch, seq;
    private float[][] residual;
    private float[] xf, logits, d;
    private int[] inputs;

    public LlamaTrainModel(ModelConfig c) { this(c, name -> Storage.TRAINABLE); }

    public LlamaTrainModel(ModelConfig c, Function<String, Storage> storage) { this(c, storage, null); }

    private LlamaTrainModel(ModelConfig c, Function<String, Storage> storage, LlamaTrainModel source) {
        validate(c);
        this.config = c;
        this.storage = storage;
        this.source = source;
        int dim = c.dim(), hd = c.headDim();
        embedding = new Embedding(add("token_embd.weight", c.vocabSize(), dim, false));
        blocks = new Block[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            RmsNorm an = new RmsNorm(add(p + "attn_norm.weight", 1, dim, false), c.rmsEps());
            Param q = add(p + "attn_q.weight", c.heads() * hd, dim, true);
            Param k = add(p + "attn_k.weight", c.kvHeads() * hd, dim, true);
            Param v = add(p + "attn_v.weight", c.kvHeads() * hd, dim, true);
            Param o = add(p + "attn_output.weight", dim, c.heads() * hd, true);
            RmsNorm fn = new RmsNorm(add(p + "ffn_norm.weight", 1, dim, false), c.rmsEps());
            Param gate = add(p + "ffn_gate.weight", c.ffnDim(), dim, true);
            Param up = add(p + "ffn_up.weight", c.ffnDim(), dim, true);
            Param down = add(p + "ffn_down.weight", dim, c.ffnDim(), true);
            blocks[l] = new Block(an, new Attention(q, k, v, o, c.heads(), c.kvHeads(), hd, null), fn, new SwiGlu(gate, up, down));
        }
        finalNorm = new RmsNorm(add("output_norm.weight", 1, dim, false), c.rmsEps());
        head = new Linear(c.tiedEmbeddings() ? embedding.table() : add("output.weight", c.vocabSize(), dim, true));
        for (Block b : blocks) {
            for (Linear l : b.attention.linears()) linears.put(l.weight().name(), l);
            for (Linear l : b.mlp.linears()) linears.put(l.weight().name(), l);
        }
        linears.put(head.weight().name(), head);
    }

    /** Shapes the trainer cannot run, as one sentence each. */
    public static void validate(ModelConfig c) {
        if (!c.architecture().equals("llama"))
            throw new PithException("the training engine handles the 'llama' architecture, not '" + c.architecture() + "'.");
        if (c.dim() <= 0 || c.layers() <= 0 || c.heads() <= 0 || c.kvHeads() <= 0 || c.ffnDim() <= 0 || c.vocabSize() <= 1)
            throw new PithException("the model needs positive dim, layers, heads, kv heads, ffn width and a vocabulary of at least 2 tokens.");
        if (c.heads() % c.kvHeads() != 0)
            throw new PithException("the number of heads (" + c.heads() + ") must be a multiple of the kv heads (" + c.kvHeads() + ").");
        if (c.headDim() * c.heads() != c.dim())
            throw new PithException("the width (" + c.dim() + ") must be heads (" + c.heads() + ") × head width (" + c.headDim() + ").");
        if (c.headDim() % 2 != 0 || c.ropeDim() != c.headDim())
            throw new PithException("the head width (" + c.headDim() + ") must be even and fully rotated by RoPE.");
        if (c.ropeNeox() || c.ropeScaling() != null)
            throw new PithException("the training engine uses GGUF 'llama' adjacent-pair RoPE without scaling.");
    }

    private Param add(String name, int rows, int cols, boolean decay) {
        if (source != null) {
            Param p = Param.sharingWeights(source.param(name));
            params.add(p);
            return p;
        }
        Storage s = storage.apply(name);
        // vectors are read as floats by their layers: never stored elsewhere (the embedding table
        // may be: it is then read through Embedding.Rows and, tied, through the head's FrozenBase)
        if (s == Storage.ELSEWHERE && rows == 1) s = Storage.FROZEN;
        Param p = s == Storage.ELSEWHERE ? Param.storedElsewhere(name, rows, cols) : new Param(name, rows, cols, decay, s == Storage.TRAINABLE);
        params.add(p);
        return p;
    }

    public ModelConfig config() { return config; }
    public List<Param> params() { return Collections.unmodifiableList(params); }

    /** The trainable parameters: base weights not frozen, then the adapters' (what the optimizer updates and checkpoints hold). */
    public List<Param> trainableParams() {
        List<Param> t = new ArrayList<>();
        for (Param p : params) if (p.trainable()) t.add(p);
        t.addAll(extra);
        return t;
    }

    /** Registers an adapter's parameter (LoRA A and B) with the optimizer. */
    public void addTrainable(Param p) {
        if (!p.trainable()) throw new IllegalArgumentException(p.name() + " has no gradient buffer");
        extra.add(p);
    }

    /** The projection whose weight has this GGUF name (blk.N.attn_q.weight … ffn_down.weight, output head). */
    public Linear linear(String weightName) {
        Linear l = linears.get(weightName);
        if (l == null) throw new IllegalArgumentException("no projection " + weightName);
        return l;
    }

    /** The token embedding (a table stored elsewhere needs its {@link Embedding#setRows row source}). */
    public Embedding embedding() { return embedding; }

    public java.util.Set<String> linearNames() { return java.util.Collections.unmodifiableSet(linears.keySet()); }

    /** True inside {@link #forwardBackward}: adapters apply dropout only then. */
    public boolean training() { return training; }

    public Param param(String name) {
        for (Param p : params) if (p.name().equals(name)) return p;
        throw new IllegalArgumentException("no parameter " + name);
    }

    public long parameterCount() {
        long n = 0;
        for (Param p : params) n += p.size();
        return n;
    }

    /**
     * GPT-2 style initialisation from {@code rng}: weights N(0, 0.02), the projections that write
     * into the residual stream (attn_output, ffn_down) scaled by 1/√(2·layers), norms 1.
     */
    public void initialize(Rng rng) {
        double resid = 0.02 / Math.sqrt(2.0 * config.layers());
        for (Param p : params) {
            if (p.rows() == 1) {
                java.util.Arrays.fill(p.w, 1f);
                continue;
            }
            boolean residOut = p.name().endsWith("attn_output.weight") || p.name().endsWith("ffn_down.weight");
            double std = residOut ? resid : 0.02;
            for (int i = 0; i < p.w.length; i++) p.w[i] = (float) (rng.nextGaussian() * std);
        }
    }

    public void zeroGrad() {
        for (Param p : params) p.zeroGrad();
        for (Param p : extra) p.zeroGrad();
    }

    private void ensure(int b, int t) {
        if (t > config.contextLength())
            throw new PithException("a sequence of " + t + " tokens is longer than the model's context of " + config.contextLength() + ".");
        if (residual != null && batch == b && seq == t) return;
        batch = b;
        seq = t;
        int n = b * t, dim = config.dim();
        if (rope == null || rope.seqLen() < t) {
            rope = new RopeTable(t, config.headDim(), config.ropeDim(), config.ropeTheta());
            for (int l = 0; l < blocks.length; l++) {
                Block old = blocks[l];
                Attention a = old.attention;
                blocks[l] = new Block(old.attnNorm, a.withRope(rope), old.ffnNorm, old.mlp);
            }
        }
        assignActivations();
        residual = new float[blocks.length + 1][n * dim];
        xf = new float[n * dim];
        logits = new float[n * config.vocabSize()];
        d = new float[n * dim];
    }

    /**
     * Activation recomputation: forward keeps only each block's input (the residual stream) and
     * one block's worth of activations, shared by all blocks; backward re-runs each block's forward
     * from its saved input just before that block's backward. Costs one more forward of every
     * block but the last; the gradients are the same bit for bit (every kernel is deterministic).
     * Not with LoRA adapters (their dropout would draw new masks on the second forward).
     */
    public void setRecompute(boolean on) {
        recompute = on;
        assignActivations();
        if (split != null) for (LlamaTrainModel r : split.replicas()) r.setRecompute(on);
    }

    /** Chooses how micro-batches use the threads (default AUTO); BATCH falls back to OPS where the model cannot be split (see {@link #batchParallel}). */
    public void setParallelism(Parallelism p) { parallelism = p; }

    public Parallelism parallelism() { return parallelism; }

    /** A model with the same weights (the same arrays), its own gradients and activations: one batch-parallel worker. */
    LlamaTrainModel replica() {
        LlamaTrainModel r = new LlamaTrainModel(config, storage, this);
        r.parallelism = Parallelism.OPS;
        r.setRecompute(recompute);
        return r;
    }

    /**
     * Whether a cross-entropy micro-batch of b sequences of t tokens runs batch-parallel: more than
     * one thread and sequence, a model whose layers hold all their state in {@link Param}s (no
     * adapters, nothing stored elsewhere), and BATCH chosen, or AUTO with little work per product.
     */
    public boolean batchParallel(int b, int t) {
        int threads = dev.pith.core.Parallel.threads();
        if (parallelism == Parallelism.OPS || threads < 2 || b < 2 || !extra.isEmpty()) return false;
        for (Param p : params) if (!p.inHeap()) return false;
        for (Linear l : linears.values()) if (l.adapter() != null) return false;
        if (parallelism == Parallelism.BATCH) return true;
        int workers = Math.min(threads, b);
        return (long) (b * t / workers) * config.dim() * config.dim() < AUTO_BATCH_MAX_WORK;
    }

    private BatchSplit split(int b) {
        int shares = BatchSplit.sharesFor(b, dev.pith.core.Parallel.threads());
        if (split == null || split.shares() != shares) split = new BatchSplit(this, shares);
        return split;
    }

    public boolean recompute() { return recompute; }

    private void assignActivations() {
        Activations shared = new Activations(), scratch = new Activations();
        for (Block b : blocks) b.useActivations(recompute ? shared : new Activations(), scratch);
    }

    /** Floats of the saved activation buffers the blocks hold (each shared set counted once; not the backward scratch all blocks share). */
    long activationFloats() {
        java.util.Set<Activations> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        long n = 0;
        for (Block b : blocks) if (seen.add(b.activations())) n += b.activations().floats();
        return n;
    }

    private void checkRecomputable() {
        for (Linear l : linears.values())
            if (l.adapter() != null)
                throw new PithException("activation recomputation (--recompute) cannot be combined with adapters such as LoRA on " + l.weight().name() + ".");
    }

    private void checkTokens(int[] tokens, int n) { checkTokens(tokens, n, false); }

    private void checkTokens(int[] tokens, int n, boolean targets) {
        for (int i = 0; i < n; i++)
            if ((tokens[i] < 0 && !(targets && tokens[i] == CrossEntropy.IGNORE)) || tokens[i] >= config.vocabSize())
                throw new PithException("token id " + tokens[i] + " is outside the model's vocabulary of " + config.vocabSize() + ".");
    }

    /** Runs b sequences of t tokens to the logits (left in {@link #logits()}). */
    public void forward(int[] inputs, int b, int t) {
        ensure(b, t);
        int n = b * t, dim = config.dim();
        checkTokens(inputs, n);
        this.inputs = inputs;
        embedding.forward(inputs, n, residual[0]);
        for (int l = 0; l < blocks.length; l++) blocks[l].forward(residual[l], residual[l + 1], b, t, dim);
        finalNorm.forward(residual[blocks.length], xf, n);
        head.forward(xf, logits, n);
    }

    /**
     * Logits of the last {@link #forward} (b·t × vocab), valid until the next call. A batch-parallel
     * {@link #forwardBackward} or {@link #loss} leaves here only the first worker's share.
     */
    public float[] logits() { return logits; }

    /**
     * Forward, loss and backward for one micro-batch: gradients of loss·scale are added to every
     * parameter's {@code g} (scale = 1/accumulation steps). Returns the mean cross-entropy.
     */
    public double forwardBackward(int[] inputs, int[] targets, int b, int t, float scale) {
        return forwardBackward(inputs, targets, b, t, scale, LossFunction.CROSS_ENTROPY);
    }

    /** As {@link #forwardBackward(int[], int[], int, int, float)} with another loss on the logits (distillation); returns its mean. */
    public double forwardBackward(int[] inputs, int[] targets, int b, int t, float scale, LossFunction lossFunction) {
        if (lossFunction == LossFunction.CROSS_ENTROPY && batchParallel(b, t)) {
            checkShape(inputs, targets, b, t);
            return split(b).forwardBackward(inputs, targets, b, t, scale);
        }
        return forwardBackwardOps(inputs, targets, b, t, scale, lossFunction);
    }

    /** Token ids and length checked up front, so a bad batch fails before any worker starts. */
    private void checkShape(int[] inputs, int[] targets, int b, int t) {
        if (t > config.contextLength())
            throw new PithException("a sequence of " + t + " tokens is longer than the model's context of " + config.contextLength() + ".");
        checkTokens(inputs, b * t);
        checkTokens(targets, b * t, true);
    }

    /** The per-operation path of {@link #forwardBackward}: this model's own buffers, the threads inside each operation. */
    double forwardBackwardOps(int[] inputs, int[] targets, int b, int t, float scale, LossFunction lossFunction) {
        if (recompute) checkRecomputable();
        training = true;
        try {
            forward(inputs, b, t);
        } finally {
            training = false;
        }
        int n = b * t, dim = config.dim();
        checkTokens(targets, n, true);
        double loss = lossFunction.lossAndGradient(logits, targets, n, config.vocabSize(), scale);
        HiddenStateLoss hidden = lossFunction.hidden();
        float[][] hiddenGrad = new float[blocks.length][];
        if (hidden != null) loss += hiddenLoss(hidden, n, scale, hiddenGrad);
        java.util.Arrays.fill(d, 0f);
        head.backward(logits, xf, n, false);
        finalNorm.backward(xf, d, n);
        for (int l = blocks.length - 1; l >= 0; l--) {
            // the shared buffers still hold the last block's activations; the others are rebuilt
            // (rewriting residual[l + 1] with the same values: nothing reads it after block l + 1's backward)
            if (recompute && l < blocks.length - 1) blocks[l].forward(residual[l], residual[l + 1], b, t, dim);
            // d is now the gradient of the state leaving block l: the hidden loss's share joins it there
            if (hiddenGrad[l] != null) for (int i = 0; i < n * dim; i++) d[i] += hiddenGrad[l][i];
            blocks[l].backward(d);
        }
        embedding.backward(inputs, n, d);
        return loss;
    }

    /** Runs {@code hidden} on the states after its blocks; leaves its gradient per block in {@code gradByBlock} (null where it reads none). */
    private double hiddenLoss(HiddenStateLoss hidden, int n, float scale, float[][] gradByBlock) {
        int[] layers = hidden.layers();
        float[][] states = new float[layers.length][], grads = new float[layers.length][];
        for (int i = 0; i < layers.length; i++) {
            states[i] = hiddenState(layers[i]);
            grads[i] = new float[n * config.dim()];
        }
        double loss = hidden.lossAndGradient(states, grads, n, config.dim(), scale);
        for (int i = 0; i < layers.length; i++) {
            int l = layers[i];
            if (gradByBlock[l] == null) gradByBlock[l] = grads[i];
            else for (int j = 0; j < grads[i].length; j++) gradByBlock[l][j] += grads[i][j];
        }
        return loss;
    }

    /** The hidden state after block {@code layer} (0-based) of the last forward pass: b·t rows of dim floats, valid until the next call. */
    public float[] hiddenState(int layer) {
        if (residual == null) throw new IllegalStateException("no forward pass yet");
        if (layer < 0 || layer >= blocks.length) throw new IllegalArgumentException("no block " + layer + " in a model of " + blocks.length);
        return residual[layer + 1];
    }

    /** Mean cross-entropy without gradients (evaluation). */
    public double loss(int[] inputs, int[] targets, int b, int t) {
        if (batchParallel(b, t)) {
            checkShape(inputs, targets, b, t);
            return split(b).loss(inputs, targets, b, t);
        }
        return lossOps(inputs, targets, b, t);
    }

    double lossOps(int[] inputs, int[] targets, int b, int t) {
        forward(inputs, b, t);
        checkTokens(targets, b * t, true);
        return CrossEntropy.loss(logits, targets, b * t, config.vocabSize());
    }
}
