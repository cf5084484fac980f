package dev.pith.compress.calib;

import dev.pith.core.PithException;
import dev.pith.model.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Calibration sequences cut from a text file: {@code count} windows of {@code length} tokens, taken
 * one after another from the start of the text, each beginning with BOS when the tokenizer adds one
 * (as the model saw text in training). Too little text is an error, not a silently smaller sample:
 * statistics from a handful of tokens would prune the wrong weights.
 */
public final class CalibrationText {
    private CalibrationText() {}

    public static int[][] sequences(Tokenizer tok, Path file, int count, int length) {
        if (count < 1 || length < 2)
            throw new PithException("calibration needs at least 1 sequence of at least 2 tokens (got " + count + " × " + length + ").");
        int[] tokens = tokens(tok, file);
        boolean bos = tok.addBosByDefault();
        int body = bos ? length - 1 : length;
        long need = (long) count * body;
        if (tokens.length < need)
            throw new PithException(file + " has " + tokens.length + " tokens, fewer than the " + need
                    + " that " + count + " calibration sequences of " + length + " tokens need.");
        int[][] seqs = new int[count][];
        for (int s = 0; s < count; s++) {
            int[] seq = new int[length];
            int off = 0;
            if (bos) seq[off++] = tok.bos();
            System.arraycopy(tokens, s * body, seq, off, body);
            seqs[s] = seq;
        }
        return seqs;
    }

    /** The whole file as tokens, without BOS. */
    public static int[] tokens(Tokenizer tok, Path file) {
        String text = read(file);
        int[] t = tok.encode(text, false, false);
        return t.length > 0 && tok.addBosByDefault() && t[0] == tok.bos() ? Arrays.copyOfRange(t, 1, t.length) : t;
    }

    public static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new PithException(file + " is not valid UTF-8 text.");
        } catch (IOException e) {
            throw new PithException(file + ": cannot be read (" + e.getMessage() + ").");
        }
    }
}
