package dev.pith.data.read;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decides whether raw bytes are a text document: empty, binary (a NUL byte, which no text file
 * holds) and invalid UTF-8 are refused with a reason instead of being decoded with replacement
 * characters that would then train the model on garbage.
 */
public final class TextBytes {
    private TextBytes() {}

    /** The decoded text (a leading BOM dropped), or null with the reason in {@code reason[0]}. */
    public static String decode(byte[] b, int len, String[] reason) {
        int from = len >= 3 && b[0] == (byte) 0xEF && b[1] == (byte) 0xBB && b[2] == (byte) 0xBF ? 3 : 0;
        if (len - from == 0) {
            reason[0] = "empty";
            return null;
        }
        for (int i = from; i < len; i++) {
            if (b[i] == 0) {
                reason[0] = "binary";
                return null;
            }
        }
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, from, len - from));
            String s = cb.toString();
            if (s.isBlank()) {
                reason[0] = "empty";
                return null;
            }
            return s;
        } catch (CharacterCodingException e) {
            reason[0] = "invalid_utf8";
            return null;
        }
    }
}
