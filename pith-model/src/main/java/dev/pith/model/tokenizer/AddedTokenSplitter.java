package dev.pith.model.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts text at added / special tokens before any other processing, so they are never split.
 * Two matching rules, one per reference:
 * <ul>
 * <li>{@link Mode#LONGEST_FIRST} (llama.cpp): tokens are tried longest text first; each one cuts every
 *     remaining text fragment at all its occurrences.</li>
 * <li>{@link Mode#LEFTMOST_LONGEST} (Hugging Face): a left-to-right scan taking, at the first position
 *     where any token matches, the longest one.</li>
 * </ul>
 * Tokens flagged special are matched only when the caller asks to parse special tokens.
 */
final class AddedTokenSplitter {
    enum Mode { LONGEST_FIRST, LEFTMOST_LONGEST }

    /** One matchable token. lstrip/rstrip: absorb whitespace on that side; singleWord: only between non-word characters. */
    record Entry(int id, String text, boolean special, boolean lstrip, boolean rstrip, boolean singleWord) {}

    /** A piece of input: raw text ({@code id < 0}) or a matched token. */
    record Fragment(String text, int id) {
        boolean isText() { return id < 0; }
    }

    private final Mode mode;
    private final List<Entry> byLength;
    private final Map<Character, List<Entry>> byFirstChar = new HashMap<>();

    AddedTokenSplitter(List<Entry> entries, Mode mode) {
        this.mode = mode;
        List<Entry> sorted = new ArrayList<>();
        for (Entry e : entries) if (!e.text().isEmpty()) sorted.add(e);
        sorted.sort(Comparator.comparingInt((Entry e) -> -e.text().length()).thenComparingInt(Entry::id));
        this.byLength = List.copyOf(sorted);
        for (Entry e : byLength) byFirstChar.computeIfAbsent(e.text().charAt(0), k -> new ArrayList<>()).add(e);
    }

    boolean isEmpty() { return byLength.isEmpty(); }

    /** The entries, longest text first. */
    List<Entry> entries() { return byLength; }

    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> out = new ArrayList<>();
        if (text.isEmpty()) return out;
        if (byLength.isEmpty()) {
            out.add(new Fragment(text, -1));
            return out;
        }
        return mode == Mode.LONGEST_FIRST ? longestFirst(text, parseSpecial) : leftmostLongest(text, parseSpecial);
    }

    private List<Fragment> longestFirst(String text, boolean parseSpecial) {
        List<Fragment> frags = new ArrayList<>();
        frags.add(new Fragment(text, -1));
        for (Entry e : byLength) {
            if (e.special() && !parseSpecial) continue;
            List<Fragment> next = new ArrayList<>(frags.size() + 2);
            for (Fragment f : frags) {
                if (!f.isText() || !f.text().contains(e.text())) {
                    next.add(f);
                    continue;
                }
                String s = f.text();
                int from = 0;
                while (true) {
                    int at = s.indexOf(e.text(), from);
                    if (at < 0) break;
                    int leftEnd = at;
                    if (e.lstrip()) while (leftEnd > from && isAsciiSpace(s.charAt(leftEnd - 1))) leftEnd--;
                    if (leftEnd > from) next.add(new Fragment(s.substring(from, leftEnd), -1));
                    next.add(new Fragment(e.text(), e.id()));
                    from = at + e.text().length();
                    if (e.rstrip()) while (from < s.length() && isAsciiSpace(s.charAt(from))) from++;
                }
                if (from < s.length()) next.add(new Fragment(s.substring(from), -1));
            }
            frags = next;
        }
        return frags;
    }

    private List<Fragment> leftmostLongest(String text, boolean parseSpecial) {
        List<Fragment> out = new ArrayList<>();
        int textStart = 0;
        int i = 0;
        while (i < text.length()) {
            Entry hit = null;
            List<Entry> cands = byFirstChar.get(text.charAt(i));
            if (cands != null) {
                for (Entry e : cands) {
                    if (e.special() && !parseSpecial) continue;
                    if (!text.startsWith(e.text(), i)) continue;
                    if (e.singleWord() && !singleWordOk(text, i, i + e.text().length())) continue;
                    hit = e;
                    break;
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            int left = i;
            if (hit.lstrip()) while (left > textStart && Character.isWhitespace(text.charAt(left - 1))) left--;
            if (left > textStart) out.add(new Fragment(text.substring(textStart, left), -1));
            out.add(new Fragment(hit.text(), hit.id()));
            i += hit.text().length();
            if (hit.rstrip()) while (i < text.length() && Character.isWhitespace(text.charAt(i))) i++;
            textStart = i;
        }
        if (textStart < text.length()) out.add(new Fragment(text.substring(textStart), -1));
        return out;
    }

    private static boolean singleWordOk(String s, int start, int end) {
        boolean leftOk = start == 0 || !isWordChar(s.codePointBefore(start));
        boolean rightOk = end >= s.length() || !isWordChar(s.codePointAt(end));
        return leftOk && rightOk;
    }

    private static boolean isWordChar(int c) { return Character.isLetterOrDigit(c) || c == '_'; }

    /** C isspace() in the "C" locale, which llama.cpp uses for lstrip/rstrip. */
    private static boolean isAsciiSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
}
