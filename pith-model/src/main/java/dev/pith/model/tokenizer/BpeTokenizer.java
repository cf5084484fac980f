package dev.pith.model.tokenizer;

import java.util.List;

/**
 * Rank-based BPE with a normalizer and pre-tokenizer pipeline: byte-level vocabularies (GPT-2,
 * Llama 3, Qwen2, SmolLM, ... from GGUF {@code tokenizer.ggml.model = "gpt2"} or a tokenizer.json)
 * and SentencePiece-converted tokenizer.json files (Metaspace / Prepend+Replace, byte fallback).
 */
public final class BpeTokenizer extends AbstractTokenizer {
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final BpeMerger merger;
    private final int[][] merges;
    private final String ggufPre;
    private final boolean ignoreMerges;
    private final boolean byteFallback;
    private final boolean fuseUnk;
    private com.fasterxml.jackson.databind.node.ObjectNode hfPipeline;

    BpeTokenizer(Vocabulary vocab, AddedTokenSplitter splitter, Normalizer normalizer, PreTokenizer preTokenizer,
                 int[][] merges, PieceEncoding encoding, boolean byteFallback, boolean ignoreMerges, boolean fuseUnk,
                 boolean stripLeadingSpace, String ggufPre) {
        super(vocab, splitter, encoding, stripLeadingSpace);
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.merges = merges;
        this.ggufPre = ggufPre;
        this.ignoreMerges = ignoreMerges;
        this.byteFallback = byteFallback;
        this.fuseUnk = fuseUnk;
        this.merger = new BpeMerger(vocab, merges, encoding == PieceEncoding.BYTE_LEVEL, byteFallback, ignoreMerges,
                vocab.unk(), fuseUnk);
    }

    /** Merges in rank order as {left id, right id, merged id}. */
    public int[][] merges() { return merges; }

    /** The llama.cpp pre-tokenizer name this tokenizer's splitting equals, or null if none does. */
    public String ggufPre() { return ggufPre; }

    public boolean ignoreMerges() { return ignoreMerges; }
    public boolean byteFallback() { return byteFallback; }
    public boolean fuseUnk() { return fuseUnk; }

    /** normalizer / pre_tokenizer / post_processor / decoder as read from a tokenizer.json, or null for GGUF vocabularies. */
    com.fasterxml.jackson.databind.node.ObjectNode hfPipeline() { return hfPipeline; }

    void setHfPipeline(com.fasterxml.jackson.databind.node.ObjectNode pipeline) { this.hfPipeline = pipeline; }

    @Override
    protected void encodeText(String text, boolean afterToken, boolean first, IntList out) {
        String normalized = normalizer.apply(text);
        if (normalized.isEmpty()) return;
        List<String> words = preTokenizer.apply(List.of(normalized), first);
        for (String w : words) merger.encodeWord(w, out);
    }
}
