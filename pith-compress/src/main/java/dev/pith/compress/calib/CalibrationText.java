package dev.pith.compress.calib;

import dev.pith.core.PithException;
import dev.pith.model.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Calibration sequences cut from a text file: consecutive windows of {@code seqLen} tokens, each
 * starting with BOS when the tokenizer adds one, as the SparseGPT and Wanda code feed their
 * calibration segments.
 */
public final class CalibrationText {
    private CalibrationText() {}

    /** {@code count} sequences of {@code seqLen} tokens; a clear error when the file holds fewer tokens. */
    public static int[][] sequences(Path file, Tokenizer tok, int count, int seqLen) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new PithException(file + " is not valid UTF-8 text.");
        } catch (IOException e) {
            throw new PithException(file + ": cannot be read (" + e.getMessage() + ").");
        }
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
