package dev.pith.model.chat;

import java.util.ArrayList;
import java.util.List;

/** Python's str methods as CPython defines them (whitespace = str.isspace, split without a separator, title case, …). */
final class PyStrings {
    private PyStrings() {}

    static boolean isSpace(int c) {
        return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f) || c == 0x85 || c == 0xa0
                || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
    }

    private static boolean strips(char c, String chars) { return chars == null ? isSpace(c) : chars.indexOf(c) >= 0; }

    static String strip(String s, String chars) { return rstrip(lstrip(s, chars), chars); }

    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && strips(s.charAt(i), chars)) i++;
        return s.substring(i);
    }

    static String rstrip(String s, String chars) {
        int j = s.length();
        while (j > 0 && strips(s.charAt(j - 1), chars)) j--;
        return s.substring(0, j);
    }

    /** str.split(sep, maxsplit): without sep, runs of whitespace separate and empty strings are dropped. */
    static List<String> split(String s, String sep, long maxsplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0, n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) i++;
                if (i >= n) return out;
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(rstrip(s.substring(i), null));
                    return out;
                }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
        }
        if (sep.isEmpty()) throw new JinjaException("empty separator");
        int from = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int k = s.indexOf(sep, from);
            if (k < 0) break;
            out.add(s.substring(from, k));
            from = k + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    static List<String> rsplit(String s, String sep, long maxsplit) {
        if (maxsplit < 0) return split(s, sep, -1);
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = s.length();
            while (true) {
                while (i > 0 && isSpace(s.charAt(i - 1))) i--;
                if (i == 0) return out;
                if (out.size() == maxsplit) {
                    out.add(0, s.substring(0, i));
                    return out;
                }
                int j = i;
                while (j > 0 && !isSpace(s.charAt(j - 1))) j--;
                out.add(0, s.substring(j, i));
                i = j;
            }
        }
        int end = s.length();
        while (out.size() < maxsplit) {
            int k = s.lastIndexOf(sep, end - sep.length());
            if (k < 0) break;
            out.add(0, s.substring(k + sep.length(), end));
            end = k;
        }
        out.add(0, s.substring(0, end));
        return out;
    }

    static List<String> splitlines(String s) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r') {
                out.add(s.substring(start, i));
                if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') i++;
                start = i + 1;
            }
        }
        if (start < s.length()) out.add(s.substring(start));
        return out;
    }

    static String replace(String s, String old, String with, long count) {
        if (count < 0) return s.replace(old, with);
        StringBuilder sb = new StringBuilder();
        int from = 0;
        for (long n = 0; n < count; n++) {
            int k = s.indexOf(old, from);
            if (k < 0) break;
            sb.append(s, from, k).append(with);
            from = k + old.length();
        }
        return sb.append(s.substring(from)).toString();
    }

    static int count(String s, String sub) {
        if (sub.isEmpty()) return s.length() + 1;
        int n = 0;
        for (int k = s.indexOf(sub); k >= 0; k = s.indexOf(sub, k + sub.length())) n++;
        return n;
    }

    static String title(String s) {
        StringBuilder sb = new StringBuilder();
        boolean prevCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(prevCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            prevCased = Character.isLetter(c);
        }
        return sb.toString();
    }

    static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1).toLowerCase();
    }

    static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;").replace("'", "&#39;");
    }

    static String indent(String s, String pad, boolean first, boolean blank) {
        List<String> lines = splitlines(s);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (i > 0) sb.append('\n');
            if ((i > 0 || first) && (blank || !line.isEmpty())) sb.append(pad);
            sb.append(line);
        }
        if (s.endsWith("\n")) sb.append('\n');
        return sb.toString();
    }

    /** str.format with positional {} / {0} fields (what templates use it for). */
    static String format(String s, List<Object> args) {
        StringBuilder sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' && i + 1 < s.length() && s.charAt(i + 1) == '{') { sb.append('{'); i++; continue; }
            if (c == '}' && i + 1 < s.length() && s.charAt(i + 1) == '}') { sb.append('}'); i++; continue; }
            if (c != '{') { sb.append(c); continue; }
            int close = s.indexOf('}', i);
            if (close < 0) throw new JinjaException("unmatched '{' in format string");
            String field = s.substring(i + 1, close);
            int idx = field.isEmpty() ? auto++ : Integer.parseInt(field);
            if (idx >= args.size()) throw new JinjaException("format string needs more arguments");
            sb.append(JinjaValues.str(args.get(idx)));
            i = close;
        }
        return sb.toString();
    }
}
