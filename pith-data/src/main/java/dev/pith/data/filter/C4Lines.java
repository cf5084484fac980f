package dev.pith.data.filter;

import dev.pith.data.CurateConfig;
import dev.pith.data.Doc;
import dev.pith.data.Normalizer;

import java.util.List;
import java.util.Locale;

/**
 * C4's clean-up rules (Raffel et al. 2020, section 2.2): a page with "lorem ipsum" or a curly
 * brace (code, not prose) is removed; lines that do not end in terminal punctuation, have too few
 * words, mention javascript, or are cookie / terms-of-use boilerplate are cut out; what is left
 * must still hold a few sentences.
 */
public final class C4Lines implements DocFilter {
    private static final List<String> POLICY = List.of("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies");
    private final CurateConfig.C4 c;
    private final String mode;

    public C4Lines(CurateConfig.C4 c, String mode) {
        this.c = c;
        this.mode = mode;
    }

    @Override public String name() { return "c4"; }

    @Override public boolean appliesTo(Doc d) { return c.enabled && (mode.equals("prose") || mode.equals("auto") && !d.looksLikeCode()); }

    @Override
    public Verdict apply(Doc d) {
        String lower = d.text().toLowerCase(Locale.ROOT);
        if (c.dropLoremIpsum && lower.contains("lorem ipsum")) return Verdict.remove("c4_lorem_ipsum");
        if (c.dropCurlyBraces && lower.indexOf('{') >= 0) return Verdict.remove("c4_curly_braces");
        StringBuilder kept = new StringBuilder(d.text().length());
        int dropped = 0;
        for (String line : d.text().split("\n", -1)) {
            String t = line.strip();
            if (t.isEmpty()) {
                kept.append('\n');
                continue;
            }
            if (keepLine(t)) kept.append(line).append('\n');
            else dropped++;
        }
        String text = Normalizer.normalize(kept.toString());
        if (sentences(text) < c.minSentences) return Verdict.remove(dropped > 0 ? "c4_few_sentences_after_line_rules" : "c4_few_sentences");
        return new Verdict(text, null, dropped);
    }

    private boolean keepLine(String t) {
        String lower = t.toLowerCase(Locale.ROOT);
        if (c.dropJavascriptLines && lower.contains("javascript")) return false;
        if (c.dropPolicyLines) for (String p : POLICY) if (lower.contains(p)) return false;
        List<String> words = Words.split(t);
        if (words.size() < c.minWordsPerLine) return false;
        for (String w : words) if (w.length() > c.maxWordLength) return false;
        if (c.requireTerminalPunctuation) {
            char last = t.charAt(t.length() - 1);
            return last == '.' || last == '!' || last == '?' || last == '"' || last == '\'' || last == '”' || last == '’';
        }
        return true;
    }

    /** Sentence ends: . ! ? followed by whitespace, a closing quote, or the end of the text. */
    static int sentences(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch != '.' && ch != '!' && ch != '?') continue;
            int j = i + 1;
            while (j < s.length() && (s.charAt(j) == '.' || s.charAt(j) == '!' || s.charAt(j) == '?')) j++;
            if (j == s.length() || Character.isWhitespace(s.charAt(j)) || s.charAt(j) == '"' || s.charAt(j) == '”') n++;
            i = j - 1;
        }
        return n;
    }
}
