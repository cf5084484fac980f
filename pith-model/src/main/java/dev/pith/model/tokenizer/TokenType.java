package dev.pith.model.tokenizer;

/** The per-token types of GGUF {@code tokenizer.ggml.token_type}, with llama.cpp's numbers. */
public enum TokenType {
    UNDEFINED(0), NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

    private final int id;

    TokenType(int id) { this.id = id; }

    /** The number stored in GGUF. */
    public int id() { return id; }

    /** The type for a GGUF number; unknown numbers read as UNDEFINED, as llama.cpp does. */
    public static TokenType of(long id) {
        for (TokenType t : values()) if (t.id == id) return t;
        return UNDEFINED;
    }

    /** Control and unknown tokens are "special": matched in text only on request, not rendered by decode. */
    public boolean isSpecial() { return this == CONTROL || this == UNKNOWN; }
}
