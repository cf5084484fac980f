package dev.pith.data.filter;

import dev.pith.data.CurateConfig;
import dev.pith.data.Doc;

import java.util.Locale;
import java.util.Set;

/**
 * Filters for source files in the style of The Stack / StarCoder: minified or data-like files
 * (very long lines, a high mean line length, few alphanumeric characters), files a tool generated
 * (a marker such as "DO NOT EDIT" near the top), and files that hold nothing but a licence header.
 */
public final class CodeRules implements DocFilter {
    private static final Set<String> HASH_COMMENT_EXTENSIONS = Set.of("py", "sh", "rb", "pl", "r", "jl", "yaml", "yml", "toml");
    private final CurateConfig.Code c;
    private final String mode;

    public CodeRules(CurateConfig.Code c, String mode) {
        this.c = c;
        this.mode = mode;
    }

    @Override public String name() { return "code"; }

    @Override public boolean appliesTo(Doc d) { return c.enabled && (mode.equals("code") || mode.equals("auto") && d.looksLikeCode()); }

    @Override
    public Verdict apply(Doc d) {
        String text = d.text();
        String[] lines = text.split("\n");
        long total = 0;
        int max = 0;
        for (String l : lines) {
            total += l.length();
            max = Math.max(max, l.length());
        }
        if (max > c.maxLineLength) return Verdict.remove("code_long_line");
        if ((double) total / lines.length > c.maxMeanLineLength) return Verdict.remove("code_mean_line_length");
        int alnum = 0;
        for (int i = 0; i < text.length(); i++) if (Character.isLetterOrDigit(text.charAt(i))) alnum++;
        if ((double) alnum / text.length() < c.minAlphanumericFraction) return Verdict.remove("code_alphanumeric");
        StringBuilder head = new StringBuilder();
        for (int i = 0; i < Math.min(lines.length, c.generatedMarkerLines); i++) head.append(lines[i].toLowerCase(Locale.ROOT)).append('\n');
        for (String m : c.generatedMarkers) if (head.indexOf(m.toLowerCase(Locale.ROOT)) >= 0) return Verdict.remove("code_generated");
        if (c.dropLicenceOnly && withoutComments(text, hashComments(d.id())).isBlank()) {
            String lower = text.toLowerCase(Locale.ROOT);
            return Verdict.remove(lower.contains("licen") || lower.contains("copyright") ? "code_licence_only" : "code_comments_only");
        }
        return Verdict.keep(text);
    }

    private static boolean hashComments(String id) {
        int dot = id.lastIndexOf('.');
        return dot >= 0 && HASH_COMMENT_EXTENSIONS.contains(id.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** The text with block, line (and for scripting languages #) comments removed; string literals are not parsed. */
    static String withoutComments(String s, boolean hash) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0, n = s.length();
        while (i < n) {
            if (s.startsWith("/*", i)) {
                int e = s.indexOf("*/", i + 2);
                i = e < 0 ? n : e + 2;
            } else if (s.startsWith("//", i) || hash && s.charAt(i) == '#') {
                int e = s.indexOf('\n', i);
                i = e < 0 ? n : e;
            } else {
                out.append(s.charAt(i++));
            }
        }
        return out.toString();
    }
}
