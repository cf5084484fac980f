package dev.pith.data.filter;

import dev.pith.data.CurateConfig;
import dev.pith.data.Doc;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The Gopher quality and repetition rules (Rae et al. 2021, "Scaling Language Models", appendix
 * A): documents whose word statistics are far from natural prose (too short, symbol-heavy, bullet
 * lists, no stop words) or that repeat themselves (duplicate lines, paragraphs and n-grams) are
 * removed. Each test has its own reason so the report shows which rule fired.
 */
public final class GopherQuality implements DocFilter {
    private static final Set<String> STOP_WORDS = Set.of("the", "be", "to", "of", "and", "that", "have", "with");
    private final CurateConfig.Gopher c;
    private final String mode;

    public GopherQuality(CurateConfig.Gopher c, String mode) {
        this.c = c;
        this.mode = mode;
    }

    @Override public String name() { return "gopher"; }

    @Override public boolean appliesTo(Doc d) { return c.enabled && (mode.equals("prose") || mode.equals("auto") && !d.looksLikeCode()); }

    @Override
    public Verdict apply(Doc d) {
        String text = d.text();
        String why = quality(text);
        if (why == null) why = repetition(text);
        return why == null ? Verdict.keep(text) : Verdict.remove("gopher_" + why);
    }

    private String quality(String text) {
        List<String> words = Words.split(text);
        int n = words.size();
        if (n < c.minWords) return "few_words";
        if (n > c.maxWords) return "many_words";
        long letters = 0;
        int counted = 0, alpha = 0, stops = 0, symbols = 0;
        for (String w : words) {
            String b = Words.bare(w);
            if (!b.isEmpty()) {
                letters += b.length();
                counted++;
            }
            if (Words.hasLetter(w)) alpha++;
            if (STOP_WORDS.contains(b)) stops++;
            symbols += count(w, "#") + count(w, "...") + count(w, "…");
        }
        double mean = counted == 0 ? 0 : (double) letters / counted;
        if (mean < c.minMeanWordLength || mean > c.maxMeanWordLength) return "mean_word_length";
        if ((double) symbols / n > c.maxSymbolWordRatio) return "symbol_ratio";
        String[] lines = text.split("\n");
        int bullets = 0, ellipses = 0, nonEmpty = 0;
        for (String l : lines) {
            String t = l.strip();
            if (t.isEmpty()) continue;
            nonEmpty++;
            if (t.startsWith("•") || t.startsWith("-") || t.startsWith("*") || t.startsWith("‣") || t.startsWith("●") || t.startsWith("◦")) bullets++;
            if (t.endsWith("...") || t.endsWith("…")) ellipses++;
        }
        if (nonEmpty > 0 && (double) bullets / nonEmpty > c.maxBulletLinesFraction) return "bullet_lines";
        if (nonEmpty > 0 && (double) ellipses / nonEmpty > c.maxEllipsisLinesFraction) return "ellipsis_lines";
        if ((double) alpha / n < c.minAlphaWordsFraction) return "alpha_words";
        if (stops < c.minStopWords) return "stop_words";
        return null;
    }

    private String repetition(String text) {
        List<String> lines = new ArrayList<>();
        for (String l : text.split("\n")) if (!l.isBlank()) lines.add(l.strip());
        List<String> paras = new ArrayList<>();
        for (String p : text.split("\n\\s*\n")) if (!p.isBlank()) paras.add(p.strip());
        double[] dl = duplicates(lines), dp = duplicates(paras);
        if (dl[0] > c.maxDuplicateLinesFraction) return "dup_lines";
        if (dp[0] > c.maxDuplicateParagraphsFraction) return "dup_paragraphs";
        if (dl[1] > c.maxDuplicateLineCharsFraction) return "dup_line_chars";
        if (dp[1] > c.maxDuplicateParagraphCharsFraction) return "dup_paragraph_chars";

        List<String> words = new ArrayList<>();
        for (String w : Words.split(text)) {
            String b = Words.bare(w);
            if (!b.isEmpty()) words.add(b);
        }
        long total = 0;
        long[] wh = new long[words.size()];
        int[] len = new int[words.size()];
        for (int i = 0; i < wh.length; i++) {
            wh[i] = mix(words.get(i).hashCode() * 0x9E3779B97F4A7C15L + words.get(i).length());
            len[i] = words.get(i).length();
            total += len[i];
        }
        if (total == 0) return null;
        for (var e : c.maxTopNgramCharsFraction.entrySet()) {
            if (topNgramFraction(wh, len, e.getKey(), total) > e.getValue()) return "top_" + e.getKey() + "gram";
        }
        for (var e : c.maxDuplicateNgramCharsFraction.entrySet()) {
            if (duplicateNgramFraction(wh, len, e.getKey(), total) > e.getValue()) return "dup_" + e.getKey() + "gram";
        }
        return null;
    }

    /** {fraction of elements that repeat an earlier one, fraction of characters in them}. */
    private static double[] duplicates(List<String> items) {
        if (items.isEmpty()) return new double[]{0, 0};
        Set<String> seen = new HashSet<>();
        int dup = 0;
        long dupChars = 0, chars = 0;
        for (String s : items) {
            chars += s.length();
            if (!seen.add(s)) {
                dup++;
                dupChars += s.length();
            }
        }
        return new double[]{(double) dup / items.size(), chars == 0 ? 0 : (double) dupChars / chars};
    }

    private static long ngram(long[] wh, int i, int n) {
        long h = 0x243F6A8885A308D3L;
        for (int k = 0; k < n; k++) h = mix(h * 31 + wh[i + k]);
        return h;
    }

    /** Characters of the most frequent n-gram (if it repeats), times its count, over all word characters. */
    static double topNgramFraction(long[] wh, int[] len, int n, long total) {
        if (wh.length < n) return 0;
        LongCounts counts = new LongCounts(wh.length - n + 1);
        for (int i = 0; i + n <= wh.length; i++) counts.add(ngram(wh, i, n), i);
        int[] top = counts.top();
        if (top[0] < 2) return 0;
        long chars = 0;
        for (int k = 0; k < n; k++) chars += len[top[1] + k];
        return (double) chars * top[0] / total;
    }

    /** Characters of words covered by an n-gram that occurs more than once, over all word characters. */
    static double duplicateNgramFraction(long[] wh, int[] len, int n, long total) {
        if (wh.length < n) return 0;
        long[] g = new long[wh.length - n + 1];
        LongCounts counts = new LongCounts(g.length);
        for (int i = 0; i < g.length; i++) counts.add(g[i] = ngram(wh, i, n), i);
        boolean[] covered = new boolean[wh.length];
        for (int i = 0; i < g.length; i++) if (counts.get(g[i]) > 1) for (int k = 0; k < n; k++) covered[i + k] = true;
        long chars = 0;
        for (int i = 0; i < covered.length; i++) if (covered[i]) chars += len[i];
        return (double) chars / total;
    }

    private static int count(String s, String sub) {
        int c = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) c++;
        return c;
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
