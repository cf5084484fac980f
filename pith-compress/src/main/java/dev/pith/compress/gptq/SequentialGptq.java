package dev.pith.compress.gptq;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.model.Model;
import dev.pith.model.runtime.ActivationObserver;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * GPTQ block by block (the paper's sequential scheme): the calibration activations go through
 * block i, which collects block i's Hessians; block i's matrices are quantized with GPTQ; then
 * (with {@code propagateQuantized}) block i runs again with its quantized matrices and its
 * outputs become block i+1's inputs, so each block learns to compensate the error of those before
 * it. Memory holds one block's Hessians (0.7 GB for llama-3.2-1b, against 11 GB for all at once)
 * and the calibration states. The output head (token_embd for a tied model) gets its Hessian from
 * the states leaving the last block. Without {@code propagateQuantized} every block sees the
 * original model's activations, which gives exactly the Hessians of one whole-model pass.
 *
 * <p>With {@code withinBlock} (and {@code propagateQuantized}) the matrices of a block are quantized
 * in stages too, as the GPTQ reference's "true sequential" option: the matrices that read the same
 * input (q/k/v; o; gate/up; down for a Llama block) form a stage, found from the order in which the
 * runtime shows them their inputs; stage s's Hessians come from a run of the block whose earlier
 * stages are already quantized, so attn_output compensates what q/k/v lost, and so on. It costs one
 * more run of the block per stage.
 */
public final class SequentialGptq {
    private final Model model;
    private final Map<String, DType> types;
    private final Gptq gptq;
    private final boolean propagateQuantized;
    private final boolean withinBlock;
    private final BlockRunner runner;
    private final IntConsumer progress;
    private final Map<String, byte[]> ready = new HashMap<>();
    private Map<String, Hessian> head = Map.of();
    private float[][] hidden;
    private int next;

    /** {@code types}: each tensor's target type (the plan); {@code progress} hears the blocks done. */
    public SequentialGptq(Model model, List<int[]> chunks, Map<String, DType> types, Gptq gptq, boolean propagateQuantized, IntConsumer progress) {
        this(model, chunks, types, gptq, propagateQuantized, false, progress);
    }

    /** As above; {@code withinBlock}: quantize each block's matrices in stages (see the class comment). */
    public SequentialGptq(Model model, List<int[]> chunks, Map<String, DType> types, Gptq gptq, boolean propagateQuantized,
                          boolean withinBlock, IntConsumer progress) {
        this.model = model;
        this.withinBlock = withinBlock && propagateQuantized;
        this.types = types;
        this.gptq = gptq;
        this.propagateQuantized = propagateQuantized;
        this.runner = new BlockRunner(model, chunks);
        this.progress = progress;
    }

    /** The block a tensor belongs to, or −1. */
    public static int blockOf(String name) {
        if (!name.startsWith("blk.")) return -1;
        int dot = name.indexOf('.', 4);
        return dot < 0 ? -1 : Integer.parseInt(name.substring(4, dot));
    }

    /**
     * GPTQ's bytes for {@code name} (quantized to its planned type), running the blocks up to its
     * own first (all of them for the output head); null when GPTQ has no Hessian for it (a matrix
     * nothing multiplies, such as an untied model's embedding table). Each tensor's bytes are
     * handed out once.
     */
    public byte[] take(String name) {
        int block = blockOf(name);
        int until = block >= 0 ? block : model.config().layers() - 1;
        while (next <= until) step();
        byte[] b = ready.remove(name);
        if (b != null || block >= 0) return b;
        Hessian h = head.remove(name);
        Tensor t = model.tensor(name);
        if (h == null || h.size() != t.cols() || !types.get(name).isQuantized()) return null;
        return gptq.quantize(Dequantizer.dequantize(t), t.rows(), t.cols(), h.h(), types.get(name)).bytes();
    }

    private void step() {
        int l = next;
        boolean last = l == model.config().layers() - 1;
        if (hidden == null) hidden = runner.embeddings();
        HessianCollector hc = new HessianCollector();
        StageRecorder stages = new StageRecorder(hc);
        float[][] out = runner.run(l, Map.of(), hidden, stages, last && !propagateQuantized);
        Map<String, Hessian> hs = hc.takeHessians();
        try (Arena arena = Arena.ofShared()) { // the runtime reads the quantized block from its worker threads
            Map<String, Tensor> quantized = new HashMap<>();
            List<List<String>> order = withinBlock ? stages.stages() : List.of(stages.names());
            for (int s = 0; s < order.size(); s++) {
                if (s > 0) {
                    // This stage's inputs from a run whose earlier stages are quantized.
                    HessianCollector stageHc = new HessianCollector();
                    List<String> wanted = order.get(s);
                    runner.run(l, quantized, hidden, new ActivationObserver() {
                        @Override
                        public void linearInput(String weight, float[] x, int n, int cols) {
                            if (wanted.contains(weight)) stageHc.linearInput(weight, x, n, cols);
                        }
                    }, false);
                    hs = stageHc.takeHessians();
                }
                for (String name : order.get(s)) quantizeInto(name, hs, quantized, arena);
            }
            if (last && !propagateQuantized) head = hs;
            if (propagateQuantized) {
                HessianCollector hh = new HessianCollector();
                ActivationObserver headOnly = new ActivationObserver() {
                    @Override
                    public void linearInput(String weight, float[] x, int n, int cols) {
                        if (blockOf(weight) < 0) hh.linearInput(weight, x, n, cols);
                    }
                };
                out = runner.run(l, quantized, hidden, headOnly, last);
                if (last) head = hh.takeHessians();
            }
        }
        hidden = out;
        next++;
        progress.accept(next);
    }

    /** GPTQ's bytes for block matrix {@code name} when it is planned quantized and has its Hessian; also handed to the block's later runs. */
    private void quantizeInto(String name, Map<String, Hessian> hs, Map<String, Tensor> quantized, Arena arena) {
        Tensor t = model.tensors().get(name);
        DType target = types.get(name);
        if (t == null || target == null || !target.isQuantized() || target == t.type()) return;
        Hessian h = hs.remove(name);
        if (h == null || h.size() != t.cols()) return;
        byte[] bytes = gptq.quantize(Dequantizer.dequantize(t), t.rows(), t.cols(), h.h(), target).bytes();
        ready.put(name, bytes);
        MemorySegment seg = arena.allocate(bytes.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
        quantized.put(name, new Tensor(name, target, t.shape(), seg));
    }

    /**
     * Passes every matrix input on to a collector and notes the block's stages: matrices in the
     * order the runtime first shows them an input, a new stage starting whenever the input array
     * is not the one the previous matrix read (q, k and v share theirs; o, gate/up and down follow).
     */
    static final class StageRecorder implements ActivationObserver {
        private final ActivationObserver inner;
        private final List<List<String>> stages = new ArrayList<>();
        private final Set<String> seen = new HashSet<>();
        private float[] lastInput;

        StageRecorder(ActivationObserver inner) {
            this.inner = inner;
        }

        @Override
        public void linearInput(String weight, float[] x, int n, int cols) {
            inner.linearInput(weight, x, n, cols);
            if (blockOf(weight) < 0 || !seen.add(weight)) return;
            if (x != lastInput || stages.isEmpty()) stages.add(new ArrayList<>());
            stages.getLast().add(weight);
            lastInput = x;
        }

        List<List<String>> stages() {
            return stages;
        }

        List<String> names() {
            return stages.stream().flatMap(List::stream).toList();
        }
    }
}
