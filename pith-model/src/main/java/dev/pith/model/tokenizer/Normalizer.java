package dev.pith.model.tokenizer;

import java.text.Normalizer.Form;
import java.util.List;

/** A text rewrite applied before pre-tokenization (Hugging Face "normalizer"). */
@FunctionalInterface
public interface Normalizer {
    String apply(String text);

    Normalizer IDENTITY = s -> s;

    static Normalizer unicode(Form form) { return s -> java.text.Normalizer.normalize(s, form); }

    /** Prepends {@code prefix} to non-empty text (HF "Prepend"). */
    static Normalizer prepend(String prefix) { return s -> s.isEmpty() ? s : prefix + s; }

    /** Replaces every occurrence of a literal string (HF "Replace" with a String pattern). */
    static Normalizer replace(String pattern, String content) { return s -> s.replace(pattern, content); }

    /** Replaces every match of a regex (HF "Replace" with a Regex pattern). */
    static Normalizer replaceRegex(java.util.regex.Pattern pattern, String content) {
        String literal = java.util.regex.Matcher.quoteReplacement(content);
        return s -> pattern.matcher(s).replaceAll(literal);
    }

    static Normalizer lowercase() { return s -> s.toLowerCase(java.util.Locale.ROOT); }

    static Normalizer sequence(List<Normalizer> steps) {
        List<Normalizer> copy = List.copyOf(steps);
        return s -> {
            for (Normalizer n : copy) s = n.apply(s);
            return s;
        };
    }
}
