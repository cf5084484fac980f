package dev.pith.core;

/**
 * An error the user can act on: bad input, a missing file, an unsupported type. Its message is one
 * clear sentence naming the file and the problem; the CLI prints it without a stack trace.
 */
public class PithException extends RuntimeException {
    public PithException(String message) { super(message); }
    public PithException(String message, Throwable cause) { super(message, cause); }
}
