package dev.pith.model.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits each piece by a regex (HF "Split", and each entry of llama.cpp's per-model regex list):
 * matches and the gaps between them both become pieces, combined per {@link Behavior}. Each piece is
 * matched on its own, so anchors and look-arounds see the piece's ends, as in both references.
 */
final class RegexSplit implements PreTokenizer {
    enum Behavior { ISOLATED, REMOVED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    private final Pattern pattern;
    private final Behavior behavior;
    private final boolean invert;

    /** @param regex in Oniguruma/HF syntax; translated to Java's by {@link PreTokenizerRegexes#toJava} */
    RegexSplit(String regex, Behavior behavior, boolean invert) {
        this.pattern = Pattern.compile(PreTokenizerRegexes.toJava(regex));
        this.behavior = behavior;
        this.invert = invert;
    }

    @Override
    public List<String> apply(List<String> pieces, boolean firstFragment) {
        List<String> out = new ArrayList<>(pieces.size() * 4);
        for (String p : pieces) split(p, out);
        return out;
    }

    private void split(String s, List<String> out) {
        if (s.isEmpty()) return;
        // Spans alternate between gaps and matches; zero-length matches are ignored.
        List<int[]> spans = new ArrayList<>();
        Matcher m = pattern.matcher(s);
        int last = 0;
        while (m.find()) {
            if (m.end() == m.start()) continue;
            if (m.start() > last) spans.add(new int[] {last, m.start(), invert ? 1 : 0});
            spans.add(new int[] {m.start(), m.end(), invert ? 0 : 1});
            last = m.end();
        }
        if (last < s.length()) spans.add(new int[] {last, s.length(), invert ? 1 : 0});
        switch (behavior) {
            case ISOLATED -> { for (int[] sp : spans) out.add(s.substring(sp[0], sp[1])); }
            case REMOVED -> { for (int[] sp : spans) if (sp[2] == 0) out.add(s.substring(sp[0], sp[1])); }
            case MERGED_WITH_PREVIOUS -> {
                int start = -1, end = -1;
                for (int[] sp : spans) {
                    if (sp[2] == 1 && start >= 0) { end = sp[1]; continue; }
                    if (start >= 0) out.add(s.substring(start, end));
                    start = sp[0];
                    end = sp[1];
                }
                if (start >= 0) out.add(s.substring(start, end));
            }
            case MERGED_WITH_NEXT -> {
                int pending = -1;
                for (int[] sp : spans) {
                    if (sp[2] == 1) {
                        if (pending >= 0) out.add(s.substring(pending, sp[0]));
                        pending = sp[0];
                        continue;
                    }
                    out.add(s.substring(pending >= 0 ? pending : sp[0], sp[1]));
                    pending = -1;
                }
                if (pending >= 0) out.add(s.substring(pending));
            }
            case CONTIGUOUS -> {
                int start = -1, end = -1, kind = -1;
                for (int[] sp : spans) {
                    if (sp[2] == 1 && kind == 1) { end = sp[1]; continue; }
                    if (start >= 0) out.add(s.substring(start, end));
                    start = sp[0];
                    end = sp[1];
                    kind = sp[2];
                }
                if (start >= 0) out.add(s.substring(start, end));
            }
        }
    }

    @Override
    public String toString() { return "RegexSplit[" + pattern + ", " + behavior + "]"; }
}
