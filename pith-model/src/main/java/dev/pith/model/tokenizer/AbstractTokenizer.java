package dev.pith.model.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What the SentencePiece-style and byte-level tokenizers share: the vocabulary, cutting the input at
 * added tokens, BOS/EOS, and turning tokens back into bytes.
 */
public abstract sealed class AbstractTokenizer implements Tokenizer permits SpmTokenizer, BpeTokenizer {
    /** How a normal token's text maps to bytes. */
    public enum PieceEncoding {
        /** "▁" stands for a space, {@code <0xNN>} byte tokens for one byte. */
        SENTENCEPIECE,
        /** Every character stands for one byte (GPT-2's alphabet). */
        BYTE_LEVEL
    }

    protected final Vocabulary vocab;
    private final AddedTokenSplitter splitter;
    private final PieceEncoding pieceEncoding;
    private final boolean stripLeadingSpace;
    private final byte[][] bytesCache;
    private String chatTemplate;

    protected AbstractTokenizer(Vocabulary vocab, AddedTokenSplitter splitter, PieceEncoding pieceEncoding, boolean stripLeadingSpace) {
        this.vocab = vocab;
        this.splitter = splitter;
        this.pieceEncoding = pieceEncoding;
        this.stripLeadingSpace = stripLeadingSpace;
        this.bytesCache = new byte[vocab.size()][];
    }

    public Vocabulary vocabulary() { return vocab; }

    @Override public String chatTemplate() { return chatTemplate; }

    /** Set once by the loader that found the template next to the vocabulary. */
    void setChatTemplate(String template) { this.chatTemplate = template == null || template.isEmpty() ? null : template; }

    /** The tokens matched in text before BPE (added / special tokens), as the splitter holds them. */
    List<AddedTokenSplitter.Entry> addedTokens() { return splitter.entries(); }
    public PieceEncoding pieceEncoding() { return pieceEncoding; }

    /** True when decode drops the one space the encoder put in front of the text (SentencePiece's dummy prefix). */
    public boolean stripsLeadingSpace() { return stripLeadingSpace; }

    @Override public int vocabSize() { return vocab.size(); }
    @Override public String tokenText(int id) { return vocab.text(checkId(id)); }
    @Override public int bos() { return vocab.bos(); }
    @Override public int eos() { return vocab.eos(); }
    @Override public boolean addBosByDefault() { return vocab.addBos(); }
    @Override public boolean isEndOfGeneration(int id) { return vocab.isEndOfGeneration(id); }

    /**
     * {@inheritDoc} With {@code addBos}, the model's own special tokens are added the way llama.cpp's
     * {@code add_special} does: BOS when the model asks for it (add_bos_token), EOS when it asks for
     * that (add_eos_token).
     */
    @Override
    public int[] encode(String text, boolean addBos, boolean parseSpecial) {
        IntList out = new IntList();
        if (addBos && vocab.addBos() && vocab.bos() >= 0) out.add(vocab.bos());
        List<AddedTokenSplitter.Fragment> fragments = splitter.split(Utf8Text.withoutLoneSurrogates(text), parseSpecial);
        boolean afterToken = true;
        boolean first = true;
        for (AddedTokenSplitter.Fragment f : fragments) {
            if (f.isText()) {
                encodeText(f.text(), afterToken, first, out);
                afterToken = false;
            } else {
                out.add(f.id());
                afterToken = true;
            }
            first = false;
        }
        if (addBos && vocab.addEos() && vocab.eos() >= 0) out.add(vocab.eos());
        return out.toArray();
    }

    /**
     * Tokens of one fragment of plain text.
     * @param afterToken the fragment starts the input or follows an added token
     * @param first the fragment starts the input
     */
    protected abstract void encodeText(String text, boolean afterToken, boolean first, IntList out);

    @Override
    public byte[] tokenBytes(int id) {
        checkId(id);
        byte[] b = bytesCache[id];
        if (b == null) bytesCache[id] = b = computeBytes(id);
        return b.clone();
    }

    byte[] tokenBytesShared(int id) {
        byte[] b = bytesCache[id];
        if (b == null) bytesCache[id] = b = computeBytes(id);
        return b;
    }

    private byte[] computeBytes(int id) {
        String text = vocab.text(id);
        TokenType type = vocab.type(id);
        if (type == TokenType.BYTE) {
            int b = parseByteToken(text);
            if (b >= 0) return new byte[] {(byte) b};
        }
        if (type == TokenType.CONTROL || type == TokenType.UNKNOWN || type == TokenType.USER_DEFINED)
            return text.getBytes(StandardCharsets.UTF_8);
        if (pieceEncoding == PieceEncoding.BYTE_LEVEL) {
            byte[] raw = ByteLevelAlphabet.decode(text);
            return raw != null ? raw : text.getBytes(StandardCharsets.UTF_8);
        }
        return text.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
    }

    /** The byte of a "&lt;0xNN&gt;" token text, or -1. */
    static int parseByteToken(String text) {
        if (text.length() != 6 || !text.startsWith("<0x") || text.charAt(5) != '>') return -1;
        int hi = Character.digit(text.charAt(3), 16), lo = Character.digit(text.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /** True for tokens decode leaves out: control and unknown tokens (BOS, EOS, &lt;unk&gt;, ...), as llama.cpp does without "special". */
    public boolean isHiddenInText(int id) { return vocab.type(checkId(id)).isSpecial(); }

    /**
     * {@inheritDoc} Control and unknown tokens are left out; for SentencePiece vocabularies the leading
     * space of the first piece (the dummy prefix) is dropped. No other clean-up, so
     * {@code decode(encode(s)) == s} for text without special tokens.
     */
    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        boolean first = true;
        for (int id : ids) {
            if (isHiddenInText(id)) continue;
            byte[] b = tokenBytesShared(id);
            int from = first && stripLeadingSpace && b.length > 0 && b[0] == ' ' ? 1 : 0;
            out.write(b, from, b.length - from);
            first = false;
        }
        return utf8(out.toByteArray());
    }

    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException(e);  // cannot happen with REPLACE
        }
    }

    protected final int checkId(int id) {
        if (id < 0 || id >= vocab.size())
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + vocab.size());
        return id;
    }

    /** The added-token entries llama.cpp matches in text: control, user-defined and unknown tokens. */
    static List<AddedTokenSplitter.Entry> llamaCppAddedTokens(Vocabulary v, java.util.Set<Integer> rstrip) {
        List<AddedTokenSplitter.Entry> entries = new java.util.ArrayList<>();
        for (int id = 0; id < v.size(); id++) {
            TokenType t = v.type(id);
            if (t == TokenType.CONTROL || t == TokenType.USER_DEFINED || t == TokenType.UNKNOWN)
                entries.add(new AddedTokenSplitter.Entry(id, v.text(id), t != TokenType.USER_DEFINED, false, rstrip.contains(id), false));
        }
        return entries;
    }
}
