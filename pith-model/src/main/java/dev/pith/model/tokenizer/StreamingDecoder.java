package dev.pith.model.tokenizer;

import java.io.ByteArrayOutputStream;

/**
 * Turns tokens into text one at a time during generation. A character whose UTF-8 bytes are spread
 * over several tokens (byte fallback, byte-level BPE) is held back until it is complete, so no
 * replacement characters appear mid-stream. Same rules as {@link Tokenizer#decode}: control tokens
 * print nothing and a SentencePiece dummy-prefix space is dropped from the first piece.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean stripLeadingSpace;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private boolean first = true;

    /** A decoder for a whole text: the dummy-prefix space of its first piece is dropped, as decode() does. */
    public StreamingDecoder(Tokenizer tokenizer) {
        this(tokenizer, false);
    }

    /**
     * @param continuation true when the tokens continue a prompt (generation): then the first piece
     *                     keeps its leading space, since it separates the new text from the prompt
     */
    public StreamingDecoder(Tokenizer tokenizer, boolean continuation) {
        this.tokenizer = tokenizer;
        this.stripLeadingSpace = !continuation && tokenizer instanceof AbstractTokenizer at && at.stripsLeadingSpace();
    }

    /** The text that token {@code id} completes; empty while a character is still incomplete. */
    public String accept(int id) {
        if (tokenizer instanceof AbstractTokenizer at && at.isHiddenInText(id)) return "";
        byte[] b = tokenizer.tokenBytes(id);
        int from = first && stripLeadingSpace && b.length > 0 && b[0] == ' ' ? 1 : 0;
        if (b.length > 0) first = false;
        pending.write(b, from, b.length - from);
        byte[] all = pending.toByteArray();
        int complete = completePrefix(all);
        pending.reset();
        pending.write(all, complete, all.length - complete);
        return AbstractTokenizer.utf8(java.util.Arrays.copyOf(all, complete));
    }

    /** Whatever is still held back (an incomplete character becomes U+FFFD). */
    public String flush() {
        byte[] all = pending.toByteArray();
        pending.reset();
        return AbstractTokenizer.utf8(all);
    }

    /** Starts over (new sequence). */
    public void reset() {
        pending.reset();
        first = true;
    }

    /** Length of the longest prefix that does not end inside an unfinished UTF-8 sequence. */
    static int completePrefix(byte[] b) {
        int n = b.length;
        // Look back at most 3 bytes for the lead byte of the last sequence.
        for (int back = 1; back <= Math.min(4, n); back++) {
            int c = b[n - back] & 0xFF;
            if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
            int need = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
            return back < need ? n - back : n;
        }
        return n;  // only continuation bytes at the end: invalid anyway, let the decoder replace them
    }
}
