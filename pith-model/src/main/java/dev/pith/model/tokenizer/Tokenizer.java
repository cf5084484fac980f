package dev.pith.model.tokenizer;

/**
 * Text to token ids and back, exactly as the reference implementation of the model's family does
 * (llama.cpp / Hugging Face tokenizers).
 */
public interface Tokenizer {
    /** Number of tokens in the vocabulary. */
    int vocabSize();

    /**
     * Token ids for {@code text}. Special tokens written in the text (e.g. "&lt;s&gt;") are matched only
     * when {@code parseSpecial} is true. Adds BOS first when {@code addBos} and the model wants it.
     * Never throws for any String: an unpaired surrogate (which no UTF-8 text can hold) is tokenized as
     * U+FFFD; for text from files see {@link Tokenizers#readText}.
     */
    int[] encode(String text, boolean addBos, boolean parseSpecial);

    /** Token ids for plain text: no BOS, special-token strings treated as text. */
    default int[] encode(String text) { return encode(text, false, false); }

    /** The raw bytes one token stands for (byte-fallback and byte-level tokens decoded to bytes). */
    byte[] tokenBytes(int id);

    /** The token's string as stored in the vocabulary. */
    String tokenText(int id);

    /** Text of a sequence of tokens (invalid UTF-8 replaced). */
    String decode(int[] ids);

    /** Beginning-of-sequence id, or -1. */
    int bos();

    /** End-of-sequence id, or -1. */
    int eos();

    /** True when the model expects BOS at the start of a prompt (tokenizer.ggml.add_bos_token). */
    boolean addBosByDefault();

    /**
     * The model's chat template (Jinja source from GGUF {@code tokenizer.chat_template} or
     * tokenizer_config.json {@code chat_template}), or null when the model has none.
     */
    default String chatTemplate() { return null; }

    /** True for ids that end generation (EOS, EOT, ...). */
    default boolean isEndOfGeneration(int id) { return id == eos(); }
}
