package dev.pith.data.quality;

import dev.pith.core.PithException;
import dev.pith.data.dedup.Hash64;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Drops training documents that share a long word n-gram (13 by default, as GPT-3's contamination
 * study used) with an evaluation file, so that held-out figures are not inflated by training on
 * the test. Words are compared lower-cased with punctuation removed, so formatting differences do
 * not hide an overlap.
 */
public final class Decontaminator {
    private final int n;
    private final Set<Long> evalNgrams = new HashSet<>();

    public Decontaminator(List<Path> evalFiles, int n) {
        this.n = n;
        for (Path f : evalFiles) {
            try {
                String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
                evalNgrams.addAll(ngrams(text));
            } catch (IOException e) {
                throw new PithException(f + ": the evaluation file cannot be read (" + e.getMessage() + ").");
            }
        }
    }

    public int ngramCount() { return evalNgrams.size(); }

    public boolean contaminated(String text) {
        long[] w = words(text);
        for (int i = 0; i + n <= w.length; i++) if (evalNgrams.contains(ngram(w, i))) return true;
        return false;
    }

    private List<Long> ngrams(String text) {
        long[] w = words(text);
        List<Long> out = new ArrayList<>();
        for (int i = 0; i + n <= w.length; i++) out.add(ngram(w, i));
        return out;
    }

    private long ngram(long[] w, int at) {
        long h = 0x243F6A8885A308D3L;
        for (int k = at; k < at + n; k++) h = Hash64.mix(h * 31 + w[k]);
        return h;
    }

    /** Hashes of the words: runs of letters and digits, lower-cased. */
    static long[] words(String text) {
        String s = text.toLowerCase(Locale.ROOT);
        List<Long> out = new ArrayList<>();
        int i = 0, len = s.length();
        while (i < len) {
            while (i < len && !Character.isLetterOrDigit(s.charAt(i))) i++;
            int j = i;
            while (j < len && Character.isLetterOrDigit(s.charAt(j))) j++;
            if (j > i) out.add(Hash64.of(s, i, j));
            i = j;
        }
        long[] a = new long[out.size()];
        for (int k = 0; k < a.length; k++) a[k] = out.get(k);
        return a;
    }
}
