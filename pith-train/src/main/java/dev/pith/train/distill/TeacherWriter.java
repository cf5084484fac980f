package dev.pith.train.distill;

/**
 * Writes a completion for a prompt: a local model, or a hosted one behind an OpenAI-compatible
 * endpoint. Returns null for an answer that cannot be used (malformed), which the job skips and
 * counts; throws {@link dev.pith.core.PithException} when the teacher cannot be reached at all.
 */
public interface TeacherWriter {
    String complete(long id, String prompt);
}
