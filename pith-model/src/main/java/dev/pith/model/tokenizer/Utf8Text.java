package dev.pith.model.tokenizer;

import dev.pith.core.PithException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The text rules at the edges of tokenization. Files are read as strict UTF-8: invalid bytes are
 * refused with the byte offset, because replacing them would silently change the tokens (a model's
 * perplexity on damaged text is not the one asked for). Inside Java, a String may hold unpaired
 * surrogates, which no UTF-8 text can; encode treats each as U+FFFD, the character both references
 * see for such input.
 */
public final class Utf8Text {
    private Utf8Text() {}

    /** The file's text; a PithException naming the file and the offset of the first invalid byte otherwise. */
    public static String read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new PithException(file + " cannot be read (" + e.getMessage() + ").", e);
        } catch (OutOfMemoryError e) {
            throw new PithException(file + " is too large to read into memory.");
        }
        return decodeStrict(bytes, file.toString());
    }

    static String decodeStrict(byte[] bytes, String name) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = d.decode(in, out, true);
        if (r.isError())
            throw new PithException(name + " is not valid UTF-8: byte " + in.position() + " (0x"
                    + String.format("%02X", bytes[in.position()] & 0xFF) + ") starts an invalid sequence.");
        d.flush(out);
        return out.flip().toString();
    }

    /** {@code s} with every unpaired surrogate replaced by U+FFFD (the same string when there is none). */
    public static String withoutLoneSurrogates(String s) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) break;
            i++;
        }
        if (i == n) return s;
        StringBuilder sb = new StringBuilder(n).append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(++i));
            } else {
                sb.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return sb.toString();
    }
}
