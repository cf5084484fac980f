package dev.pith.train.data;

import dev.pith.core.PithException;
import dev.pith.model.tokenizer.ByteLevelAlphabet;
import dev.pith.model.tokenizer.PreTokenizerRegexes;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Learns a byte-level BPE vocabulary (GPT-2 style): text is split by the GPT-2 pre-tokenizer
 * regex, each piece becomes its UTF-8 bytes, and the most frequent adjacent pair is merged
 * repeatedly until the vocabulary (256 bytes + merges + specials) reaches the requested size.
 * Ties go to the pair whose merged token sorts first, so training is deterministic.
 *
 * <p>Pair counts are kept up to date incrementally: merging a pair only revisits the distinct
 * words that contain it (an index from pair to words), and a priority queue with lazy deletion
 * finds the next best pair.
 */
public final class BpeTrainer {
    private static final Pattern PIECES = Pattern.compile(PreTokenizerRegexes.GPT2);

    private final Map<String, Long> wordCounts = new HashMap<>();

    /** Adds the pre-tokenized pieces of {@code text} to the statistics. */
    public void add(String text) {
        Matcher m = PIECES.matcher(text);
        while (m.find()) wordCounts.merge(m.group(), 1L, Long::sum);
    }

    /** The learned model: token strings in id order (byte-level alphabet) and merges in rank order. */
    public record Result(List<String> tokens, List<String[]> merges) {}

    /**
     * Learns merges until {@code vocabSize - specials} tokens exist (fewer when the text runs out
     * of pairs).
     */
    public Result train(int vocabSize, int specials) {
        if (vocabSize < 256 + specials)
            throw new PithException("a byte-level BPE vocabulary needs at least " + (256 + specials) + " tokens (256 bytes + specials); --vocab-size is " + vocabSize + ".");
        List<String> tokens = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            String s = String.valueOf(ByteLevelAlphabet.charOf(b));
            ids.put(s, tokens.size());
            tokens.add(s);
        }
        // Distinct words as symbol arrays with their counts.
        int nw = wordCounts.size();
        int[][] words = new int[nw][];
        long[] freq = new long[nw];
        int wi = 0;
        for (Map.Entry<String, Long> e : wordCounts.entrySet()) {
            byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
            int[] w = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) w[i] = bytes[i] & 0xff;
            words[wi] = w;
            freq[wi++] = e.getValue();
        }
        Map<Long, Long> counts = new HashMap<>();
        Map<Long, Set<Integer>> where = new HashMap<>();
        for (int i = 0; i < nw; i++) addPairs(words[i], freq[i], i, counts, where);
        PriorityQueue<long[]> queue = new PriorityQueue<>((x, y) -> {
            if (x[1] != y[1]) return Long.compare(y[1], x[1]);
            return compareMerged(tokens, x[0], y[0]);
        });
        for (Map.Entry<Long, Long> e : counts.entrySet()) queue.add(new long[] {e.getKey(), e.getValue()});

        List<String[]> merges = new ArrayList<>();
        int target = vocabSize - specials;
        while (tokens.size() < target && !queue.isEmpty()) {
            long[] top = queue.poll();
            long pair = top[0];
            Long current = counts.get(pair);
            if (current == null || current != top[1]) continue; // stale entry
            if (current <= 0) break;
            int a = (int) (pair >>> 32), b = (int) pair;
            String merged = tokens.get(a) + tokens.get(b);
            int id = ids.computeIfAbsent(merged, k -> {
                tokens.add(k);
                return tokens.size() - 1;
            });
            merges.add(new String[] {tokens.get(a), tokens.get(b)});
            Set<Long> touched = new HashSet<>();
            for (int w : where.remove(pair)) {
                int[] old = words[w];
                if (!contains(old, a, b)) continue;
                removePairs(old, freq[w], counts, touched);
                words[w] = merge(old, a, b, id);
                addPairs(words[w], freq[w], w, counts, where);
                collectPairs(words[w], touched);
            }
            counts.remove(pair);
            for (long p : touched) {
                Long c = counts.get(p);
                if (c != null && c > 0) queue.add(new long[] {p, c});
            }
        }
        return new Result(tokens, merges);
    }

    private static int compareMerged(List<String> tokens, long p, long q) {
        String a = tokens.get((int) (p >>> 32)) + tokens.get((int) p);
        String b = tokens.get((int) (q >>> 32)) + tokens.get((int) q);
        int c = a.compareTo(b);
        return c != 0 ? c : Long.compare(p, q);
    }

    private static long key(int a, int b) { return ((long) a << 32) | (b & 0xffffffffL); }

    private static void addPairs(int[] w, long f, int index, Map<Long, Long> counts, Map<Long, Set<Integer>> where) {
        for (int i = 0; i + 1 < w.length; i++) {
            long k = key(w[i], w[i + 1]);
            counts.merge(k, f, Long::sum);
            where.computeIfAbsent(k, x -> new HashSet<>()).add(index);
        }
    }

    private static void removePairs(int[] w, long f, Map<Long, Long> counts, Set<Long> touched) {
        for (int i = 0; i + 1 < w.length; i++) {
            long k = key(w[i], w[i + 1]);
            counts.merge(k, -f, Long::sum);
            touched.add(k);
        }
    }

    private static void collectPairs(int[] w, Set<Long> touched) {
        for (int i = 0; i + 1 < w.length; i++) touched.add(key(w[i], w[i + 1]));
    }

    private static boolean contains(int[] w, int a, int b) {
        for (int i = 0; i + 1 < w.length; i++) if (w[i] == a && w[i + 1] == b) return true;
        return false;
    }

    /** Replaces each left-to-right occurrence of (a, b) by id. */
    static int[] merge(int[] w, int a, int b, int id) {
        int[] out = new int[w.length];
        int n = 0;
        for (int i = 0; i < w.length; i++) {
            if (i + 1 < w.length && w[i] == a && w[i + 1] == b) {
                out[n++] = id;
                i++;
            } else {
                out[n++] = w[i];
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
