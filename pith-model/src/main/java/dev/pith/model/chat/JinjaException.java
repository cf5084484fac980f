package dev.pith.model.chat;

/** A template that cannot be parsed or rendered; the message says what and where. */
public final class JinjaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public JinjaException(String message) { super(message); }
}
