package dev.pith.compress.gptq;

import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.model.Model;
import dev.pith.model.runtime.ActivationObserver;
import dev.pith.model.runtime.RuntimeOptions;
import dev.pith.model.runtime.Transformer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs calibration activations through one transformer block at a time, for GPTQ's sequential
 * scheme (block i's Hessians from what block i−1, already quantized, hands on). The runtime has no
 * entry point for a single block, so this builds a one-block model around block {@code layer}
 * (its tensors under the names of block 0, the originals' own names kept so an observer sees
 * {@code blk.<layer>.…}) and, through the observer hooks, replaces the embedding rows entering the
 * block by the stored hidden states and copies out the states leaving it, stopping the pass there
 * (no output head) unless the head's input is wanted too. The runtime and its batching are the
 * ones the whole-model calibration uses, so the same inputs give the same activations bit for bit.
 */
final class BlockRunner {
    private final Model model;
    private final List<int[]> chunks;

    BlockRunner(Model model, List<int[]> chunks) {
        this.model = model;
        this.chunks = chunks;
    }

    /** The hidden states entering block 0: each chunk's embedding rows, {@code ctx × dim} floats per chunk. */
    float[][] embeddings() {
        Tensor e = model.tensor("token_embd.weight");
        int dim = model.config().dim();
        float[][] out = new float[chunks.size()][];
        for (int c = 0; c < chunks.size(); c++) {
            int[] tokens = chunks.get(c);
            out[c] = new float[tokens.length * dim];
            for (int i = 0; i < tokens.length; i++) Dequantizer.getRow(e, tokens[i], out[c], i * dim);
        }
        return out;
    }

    /**
     * Runs block {@code layer}, with {@code replaced} (by name) instead of its own matrices, on the
     * states {@code in}; {@code observer} sees its matrix inputs, and with {@code head} also the
     * final norm's output entering the output head. Returns the states leaving the block.
     */
    float[][] run(int layer, Map<String, Tensor> replaced, float[][] in, ActivationObserver observer, boolean head) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        String prefix = "blk." + layer + ".";
        for (Tensor t : model.tensors().values()) {
            if (t.name().startsWith(prefix)) tensors.put("blk.0." + t.name().substring(prefix.length()), replaced.getOrDefault(t.name(), t));
            else if (!t.name().startsWith("blk.")) tensors.put(t.name(), t);
        }
        Model one = new Model(model.config().withBlocks(List.of(layer)), tensors, model.tokenizer(), model.metadata(), model.source(), List.of());
        Transformer t = new Transformer(one, RuntimeOptions.defaults().withContextLength(chunks.getFirst().length));
        float[][] out = new float[in.length][];
        Hooks hooks = new Hooks(observer, head);
        t.observe(hooks);
        for (int c = 0; c < chunks.size(); c++) {
            t.reset();
            out[c] = new float[in[c].length];
            hooks.start(in[c], out[c]);
            try {
                if (head) t.forwardAll(chunks.get(c));
                else t.forward(chunks.get(c));
            } catch (Stop done) {
                // the block's output is complete; the rest of the pass is not needed
            }
        }
        return out;
    }

    /** Ends a pass once the block's last output rows are copied. */
    private static final class Stop extends RuntimeException {
        Stop() { super(null, null, false, false); }
    }

    private static final class Hooks implements ActivationObserver {
        private final ActivationObserver observer;
        private final boolean head;
        private float[] in, out;
        private int inRows, outRows;

        Hooks(ActivationObserver observer, boolean head) {
            this.observer = observer;
            this.head = head;
        }

        void start(float[] in, float[] out) {
            this.in = in;
            this.out = out;
            inRows = 0;
            outRows = 0;
        }

        @Override
        public void hiddenState(int layer, float[] x, int n, int dim) {
            if (layer == 0) {
                System.arraycopy(in, inRows * dim, x, 0, n * dim);
                inRows += n;
            } else {
                System.arraycopy(x, 0, out, outRows * dim, n * dim);
                outRows += n;
                if (!head && outRows * dim == out.length) throw new Stop();
            }
        }

        @Override
        public void linearInput(String weight, float[] x, int n, int cols) {
            observer.linearInput(weight, x, n, cols);
        }
    }
}
