package dev.pith.data.filter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Whitespace words and their normalised forms (lower case, punctuation trimmed) shared by the rules. */
final class Words {
    private Words() {}

    static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        int i = 0, n = text.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(text.charAt(i))) i++;
            int j = i;
            while (j < n && !Character.isWhitespace(text.charAt(j))) j++;
            if (j > i) out.add(text.substring(i, j));
            i = j;
        }
        return out;
    }

    /** Lower case without leading and trailing punctuation ("Lily," → "lily"); may be empty. */
    static String bare(String w) {
        int a = 0, b = w.length();
        while (a < b && !Character.isLetterOrDigit(w.charAt(a))) a++;
        while (b > a && !Character.isLetterOrDigit(w.charAt(b - 1))) b--;
        return w.substring(a, b).toLowerCase(Locale.ROOT);
    }

    static boolean hasLetter(String w) {
        for (int i = 0; i < w.length(); i++) if (Character.isLetter(w.charAt(i))) return true;
        return false;
    }
}
