package dev.pith.data.filter;

/**
 * What a filter decided: keep the (possibly edited) text, or remove the document for
 * {@code reason}. {@code linesDropped} counts lines a line-level rule cut out of a kept document.
 */
public record Verdict(String text, String reason, int linesDropped) {
    public static Verdict keep(String text) { return new Verdict(text, null, 0); }
    public static Verdict remove(String reason) { return new Verdict(null, reason, 0); }

    public boolean removed() { return reason != null; }
}
