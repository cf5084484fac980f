package dev.pith.model.tokenizer;

import dev.pith.core.PithException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads llama2.c's {@code tokenizer.bin}: u32 max_token_length, then per token f32 score, u32 byte
 * length, bytes. llama2.c writes "▁" as a plain space and BOS/EOS as "\n&lt;s&gt;\n" / "\n&lt;/s&gt;\n";
 * they are turned back into the SentencePiece texts llama.cpp's converter produces, so the result
 * tokenizes exactly like llama2.c's run.c {@code encode} and like the converted GGUF.
 */
final class Llama2cTokenizerFile {
    private static final int MAX_TOKENS = 10_000_000;

    private Llama2cTokenizerFile() {}

    /** @param expectedSize the model's vocab_size (llama2.c stores it in the checkpoint, not here), or -1 */
    static SpmTokenizer load(Path path, int expectedSize) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new PithException(path + " cannot be read (" + e.getMessage() + ").", e);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < 4) throw new PithException(path + " is too short to be a llama2.c tokenizer (" + bytes.length + " bytes).");
        long maxLen = Integer.toUnsignedLong(buf.getInt());
        List<String> texts = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (buf.hasRemaining()) {
            int i = texts.size();
            if (buf.remaining() < 8) throw new PithException(path + " is truncated in the header of token " + i + ".");
            float score = buf.getFloat();
            long len = Integer.toUnsignedLong(buf.getInt());
            if (len > buf.remaining()) throw new PithException(path + " is truncated: token " + i + " needs " + len + " bytes, " + buf.remaining() + " remain.");
            if (len > maxLen) throw new PithException(path + " has token " + i + " of " + len + " bytes, longer than its declared maximum " + maxLen + ".");
            if (i >= MAX_TOKENS) throw new PithException(path + " has more than " + MAX_TOKENS + " tokens.");
            byte[] piece = new byte[(int) len];
            buf.get(piece);
            texts.add(AbstractTokenizer.utf8(piece));
            scores.add(score);
        }
        if (texts.isEmpty()) throw new PithException(path + " holds no tokens.");
        int n = texts.size();
        if (expectedSize >= 0 && n != expectedSize)
            throw new PithException(path + " holds " + n + " tokens but the model's vocabulary has " + expectedSize + ".");
        String[] t = new String[n];
        TokenType[] types = new TokenType[n];
        float[] s = new float[n];
        int bos = -1, eos = -1, unk = -1;
        for (int i = 0; i < n; i++) {
            String raw = texts.get(i);
            s[i] = scores.get(i);
            if (raw.equals("\n<s>\n") || raw.equals("<s>")) {
                t[i] = "<s>";
                types[i] = TokenType.CONTROL;
                if (bos < 0) bos = i;
            } else if (raw.equals("\n</s>\n") || raw.equals("</s>")) {
                t[i] = "</s>";
                types[i] = TokenType.CONTROL;
                if (eos < 0) eos = i;
            } else if (raw.equals("<unk>")) {
                t[i] = raw;
                types[i] = TokenType.UNKNOWN;
                if (unk < 0) unk = i;
            } else if (AbstractTokenizer.parseByteToken(raw) >= 0) {
                t[i] = raw;
                types[i] = TokenType.BYTE;
            } else {
                t[i] = raw.replace(' ', '\u2581');
                types[i] = TokenType.NORMAL;
            }
        }
        // A file cut at a token boundary still parses; byte fallback needs all 256 byte tokens, so a
        // vocabulary with some but not all of them is damaged.
        int byteTokens = 0;
        for (TokenType ty : types) if (ty == TokenType.BYTE) byteTokens++;
        if (byteTokens > 0 && byteTokens < 256)
            throw new PithException(path + " is truncated or damaged: it has " + byteTokens + " of the 256 byte tokens <0x00>..<0xFF>.");
        // llama2.c's run.c hard-codes BOS=1 and EOS=2.
        Vocabulary v = new Vocabulary(t, types, s, bos >= 0 ? bos : 1, eos >= 0 ? eos : 2, unk >= 0 ? unk : 0, -1, true, false);
        return new SpmTokenizer(v, true, java.util.Set.of());
    }
}
