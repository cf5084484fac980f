package dev.pith.data;

import java.text.Normalizer.Form;

/**
 * The one canonical form every later stage (and the exact-duplicate hash) sees: Unicode NFC,
 * '\n' line endings, no trailing whitespace on a line, at most one blank line in a row, and no
 * blank lines at the start or end. Two copies of a file that differ only in these are the same text.
 */
public final class Normalizer {
    private Normalizer() {}

    public static String normalize(String s) {
        if (!java.text.Normalizer.isNormalized(s, Form.NFC)) s = java.text.Normalizer.normalize(s, Form.NFC);
        StringBuilder out = new StringBuilder(s.length());
        int blanks = 0;
        int i = 0, n = s.length();
        while (i <= n) {
            int j = i;
            while (j < n && s.charAt(j) != '\n' && s.charAt(j) != '\r') j++;
            int end = j;
            while (end > i && Character.isWhitespace(s.charAt(end - 1))) end--;
            if (end == i) {
                blanks++;
            } else {
                if (out.length() > 0) out.append(blanks > 0 ? "\n\n" : "\n");
                out.append(s, i, end);
                blanks = 0;
            }
            if (j < n && s.charAt(j) == '\r' && j + 1 < n && s.charAt(j + 1) == '\n') j++;
            i = j + 1;
        }
        return out.toString();
    }
}
