package dev.pith.compress.calib;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.runtime.ActivationObserver;
import dev.pith.model.runtime.RuntimeOptions;
import dev.pith.model.runtime.Transformer;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.model.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Calibration text for the methods that learn from activations. {@link #chunks} cuts it as
 * llama-imatrix does (consecutive chunks of {@code ctx} tokens, the first token of each replaced
 * by BOS when the model uses one), for the imatrix and GPTQ; {@link #sequences} as the SparseGPT
 * and Wanda code feed their segments (BOS, then {@code seqLen - 1} tokens), for pruning. Either is
 * run through the model from an empty cache so an {@link ActivationObserver} sees realistic
 * activations.
 */
public final class CalibrationText {
    private CalibrationText() {}

    /** Up to {@code maxChunks} chunks (0: all); fewer than one whole chunk is an error naming the file. */
    public static List<int[]> chunks(Model m, Path file, int ctx, int maxChunks) {
        if (m.tokenizer() == null) throw new PithException(m.source() + " has no tokenizer, so it cannot read calibration text.");
        if (ctx < 2) throw new PithException("calibration chunks need at least 2 tokens (got --ctx " + ctx + ").");
        int[] tokens = m.tokenizer().encode(Tokenizers.readText(file), false, false);
        int available = tokens.length / ctx;
        if (available < 1)
            throw new PithException(file + ": the calibration text has " + tokens.length + " tokens, fewer than one chunk of " + ctx + "; give a longer text or a smaller --ctx.");
        if (maxChunks > available)
            throw new PithException(file + ": the calibration text has " + tokens.length + " tokens, enough for " + available
                    + " chunks of " + ctx + " but " + maxChunks + " were asked for; give a longer text or fewer --chunks.");
        int n = maxChunks > 0 ? maxChunks : available;
        int bos = m.tokenizer().addBosByDefault() ? m.tokenizer().bos() : -1;
        List<int[]> out = new ArrayList<>(n);
        for (int c = 0; c < n; c++) {
            int[] chunk = java.util.Arrays.copyOfRange(tokens, c * ctx, (c + 1) * ctx);
            if (bos >= 0) chunk[0] = bos;
            out.add(chunk);
        }
        return out;
    }

    /** Runs every chunk through the model with {@code observer} attached; {@code progress} hears the chunks done. */
    public static void run(Model m, List<int[]> chunks, ActivationObserver observer, IntConsumer progress) {
        int ctx = chunks.getFirst().length;
        Transformer t = new Transformer(m, RuntimeOptions.defaults().withContextLength(ctx));
        t.observe(observer);
        for (int i = 0; i < chunks.size(); i++) {
            t.reset();
            t.forwardAll(chunks.get(i));
            progress.accept(i + 1);
        }
    }

    /** {@code count} sequences of {@code seqLen} tokens; a clear error when the file holds fewer tokens. */
    public static int[][] sequences(Path file, Tokenizer tok, int count, int seqLen) {
        String text = Tokenizers.readText(file);
        boolean bos = tok.addBosByDefault();
        int body = bos ? seqLen - 1 : seqLen;
        long needed = (long) count * body;
        // tokenize only a prefix large enough (generously 16 bytes a token) so a big file costs little
        int chars = (int) Math.min(text.length(), needed * 16 + 1024);
        int[] tokens = tok.encode(text.substring(0, chars), false, false);
        if (tokens.length < needed && chars < text.length()) tokens = tok.encode(text, false, false);
        if (tokens.length < needed)
            throw new PithException(file + " holds " + tokens.length + " tokens but calibration needs " + needed
                    + " (" + count + " sequences of " + seqLen + "); give a longer text or fewer --calib-tokens.");
        int[][] out = new int[count][seqLen];
        for (int s = 0; s < count; s++) {
            int o = 0;
            if (bos) out[s][o++] = tok.bos();
            System.arraycopy(tokens, s * body, out[s], o, body);
        }
        return out;
    }
}
