package dev.pith.model.tokenizer;

import java.util.Set;

/**
 * SentencePiece-style BPE with scores (GGUF {@code tokenizer.ggml.model = "llama"}; Llama 2,
 * TinyLlama, llama2.c), token for token as llama.cpp's SPM tokenizer: a space is put before text
 * that starts the input or follows an added token ({@code add_space_prefix}), spaces become "▁",
 * pieces merge by score, code points without a token fall back to {@code <0xNN>} byte tokens.
 */
public final class SpmTokenizer extends AbstractTokenizer {
    private final SpmMerger merger;
    private final boolean addSpacePrefix;

    /**
     * @param rstripIds tokens that swallow whitespace after them when matched (llama.cpp sets this for Phi-3)
     */
    public SpmTokenizer(Vocabulary vocab, boolean addSpacePrefix, Set<Integer> rstripIds) {
        super(vocab, new AddedTokenSplitter(llamaCppAddedTokens(vocab, rstripIds), AddedTokenSplitter.Mode.LONGEST_FIRST),
                PieceEncoding.SENTENCEPIECE, addSpacePrefix);
        if (!vocab.hasScores()) throw new IllegalArgumentException("a SentencePiece vocabulary needs scores");
        this.merger = new SpmMerger(vocab);
        this.addSpacePrefix = addSpacePrefix;
    }

    public boolean addSpacePrefix() { return addSpacePrefix; }

    @Override
    protected void encodeText(String text, boolean afterToken, boolean first, IntList out) {
        String s = addSpacePrefix && afterToken ? " " + text : text;
        merger.encode(s.replace(' ', '\u2581'), out);
    }
}
