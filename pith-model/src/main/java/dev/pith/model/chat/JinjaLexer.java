package dev.pith.model.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a Jinja template into text and the tokens inside {@code {{ }}} and {@code {% %}} tags,
 * applying whitespace control as Hugging Face renders chat templates: {@code trim_blocks} (the
 * newline after a block tag goes), {@code lstrip_blocks} (spaces before a block tag on its own
 * line go), and the {@code -} / {@code +} modifiers on either side of a tag.
 */
final class JinjaLexer {
    enum Kind { TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF }

    record Token(Kind kind, String text, int line) {
        boolean is(Kind k, String s) { return kind == k && text.equals(s); }
        boolean isOp(String s) { return is(Kind.OP, s); }
        boolean isName(String s) { return is(Kind.NAME, s); }
    }

    private static final String[] OPS = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=",
            "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"};

    private final String src;
    private final List<Token> out = new ArrayList<>();
    private int pos;
    private boolean stripNextText;

    private JinjaLexer(String src) { this.src = src; }

    static List<Token> lex(String template) {
        JinjaLexer l = new JinjaLexer(template);
        l.run();
        return l.out;
    }

    private void run() {
        while (pos < src.length()) {
            int start = nextTagStart(pos);
            String text = src.substring(pos, start < 0 ? src.length() : start);
            if (stripNextText) text = stripLeading(text);
            stripNextText = false;
            if (start < 0) {
                emitText(text);
                break;
            }
            char kind = src.charAt(start + 1);
            char modifier = start + 2 < src.length() ? src.charAt(start + 2) : 0;
            if (modifier == '-') text = text.stripTrailing();
            else if (modifier != '+' && kind != '{') text = lstripLastLine(text, start);
            emitText(text);
            pos = start + 2 + (modifier == '-' || modifier == '+' ? 1 : 0);
            if (kind == '#') comment();
            else if (kind == '{') tag(Kind.VAR_BEGIN, Kind.VAR_END, "}}");
            else if (!rawBlock()) tag(Kind.BLOCK_BEGIN, Kind.BLOCK_END, "%}");
        }
        out.add(new Token(Kind.EOF, "", line(src.length())));
    }

    private int nextTagStart(int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
        }
        return -1;
    }

    private void emitText(String text) {
        if (!text.isEmpty()) out.add(new Token(Kind.TEXT, text, line(pos)));
    }

    /** lstrip_blocks: whitespace between the line start and a block tag is dropped. */
    private String lstripLastLine(String text, int tagStart) {
        int nl = text.lastIndexOf('\n');
        String tail = text.substring(nl + 1);
        if (!tail.isBlank() && !tail.isEmpty()) return text;
        // Only when the tag really starts its line (the text began at the template start or after a newline).
        if (nl < 0 && tagStart - tail.length() > 0 && src.charAt(tagStart - tail.length() - 1) != '\n') return text;
        for (int i = 0; i < tail.length(); i++) if (tail.charAt(i) != ' ' && tail.charAt(i) != '\t') return text;
        return text.substring(0, nl + 1);
    }

    private static String stripLeading(String s) { return s.stripLeading(); }

    /** After a block or comment tag ends: '-' strips all following whitespace, else trim_blocks drops one newline. */
    private void afterBlockEnd(boolean minus) {
        if (minus) {
            stripNextText = true;
        } else if (src.startsWith("\r\n", pos)) {
            pos += 2;
        } else if (src.startsWith("\n", pos)) {
            pos += 1;
        }
    }

    private void comment() {
        int end = src.indexOf("#}", pos);
        if (end < 0) throw error("a comment is not closed with #}");
        boolean minus = src.charAt(end - 1) == '-';
        pos = end + 2;
        afterBlockEnd(minus);
    }

    /** {% raw %}…{% endraw %}: the text between is output as it is. */
    private boolean rawBlock() {
        var m = java.util.regex.Pattern.compile("\\G\\s*raw\\s*(-?)%}").matcher(src);
        if (!m.find(pos)) return false;
        pos = m.end();
        afterBlockEnd(!m.group(1).isEmpty());
        var end = java.util.regex.Pattern.compile("\\{%(-?)\\s*endraw\\s*(-?)%}").matcher(src);
        if (!end.find(pos)) throw error("{% raw %} is not closed with {% endraw %}");
        String text = src.substring(pos, end.start());
        if (stripNextText) text = stripLeading(text);
        stripNextText = false;
        if (!end.group(1).isEmpty()) text = text.stripTrailing();
        emitText(text);
        pos = end.end();
        afterBlockEnd(!end.group(2).isEmpty());
        return true;
    }

    private void tag(Kind begin, Kind endKind, String close) {
        out.add(new Token(begin, "", line(pos)));
        int depth = 0; // open brackets: "}}" inside a dict literal does not close the tag
        while (true) {
            skipSpaces();
            if (pos >= src.length()) throw error("a tag is not closed with " + close);
            if (depth > 0) {
                Token t = token();
                if (t.kind() == Kind.OP && "([{".contains(t.text())) depth++;
                if (t.kind() == Kind.OP && ")]}".contains(t.text())) depth--;
                out.add(t);
                continue;
            }
            boolean minus = src.startsWith("-" + close, pos);
            boolean plus = src.startsWith("+" + close, pos);
            if (minus || plus || src.startsWith(close, pos)) {
                pos += close.length() + (minus || plus ? 1 : 0);
                out.add(new Token(endKind, "", line(pos)));
                if (endKind == Kind.BLOCK_END) afterBlockEnd(minus);
                else if (minus) stripNextText = true;
                return;
            }
            Token t = token();
            if (t.kind() == Kind.OP && "([{".contains(t.text())) depth++;
            out.add(t);
        }
    }

    private void skipSpaces() {
        while (pos < src.length() && Character.isWhitespace(src.charAt(pos))) pos++;
    }

    private Token token() {
        char c = src.charAt(pos);
        int ln = line(pos);
        if (Character.isLetter(c) || c == '_') {
            int s = pos;
            while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
            return new Token(Kind.NAME, src.substring(s, pos), ln);
        }
        if (Character.isDigit(c)) {
            int s = pos;
            while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
            boolean isFloat = false;
            if (pos + 1 < src.length() && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))) {
                isFloat = true;
                pos++;
                while (pos < src.length() && Character.isDigit(src.charAt(pos))) pos++;
            }
            int e = pos + 1 < src.length() && (src.charAt(pos + 1) == '+' || src.charAt(pos + 1) == '-') ? pos + 2 : pos + 1;
            if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E') && e < src.length() && Character.isDigit(src.charAt(e))) {
                isFloat = true;
                pos = e;
                while (pos < src.length() && Character.isDigit(src.charAt(pos))) pos++;
            }
            return new Token(isFloat ? Kind.FLOAT : Kind.INT, src.substring(s, pos).replace("_", ""), ln);
        }
        if (c == '\'' || c == '"') return new Token(Kind.STRING, string(c), ln);
        for (String op : OPS) {
            if (src.startsWith(op, pos)) {
                pos += op.length();
                return new Token(Kind.OP, op, ln);
            }
        }
        throw error("unexpected character '" + c + "'");
    }

    /** A quoted string with Python's escapes. */
    private String string(char quote) {
        StringBuilder sb = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= src.length()) throw error("a string is not closed");
            char c = src.charAt(pos++);
            if (c == quote) return sb.toString();
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = src.charAt(pos++);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case '0' -> sb.append('\0');
                case 'u' -> { sb.append((char) Integer.parseInt(src.substring(pos, pos + 4), 16)); pos += 4; }
                case 'x' -> { sb.append((char) Integer.parseInt(src.substring(pos, pos + 2), 16)); pos += 2; }
                case '\\', '\'', '"' -> sb.append(e);
                case '\n' -> { }
                default -> sb.append('\\').append(e);
            }
        }
    }

    private int line(int at) {
        int n = 1;
        for (int i = 0; i < Math.min(at, src.length()); i++) if (src.charAt(i) == '\n') n++;
        return n;
    }

    private JinjaException error(String what) { return new JinjaException(what + " (line " + line(pos) + ")"); }
}
