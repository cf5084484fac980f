package dev.pith.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dedup against ground truth: a generated corpus of random-word documents, with exact copies
 * (some differing only in whitespace and line endings) and edited copies whose true Jaccard
 * similarity (of word 5-shingle sets, computed exactly here) is known. With the threshold at 0.8,
 * copies at J ≥ 0.85 must be removed as near duplicates of their original (recall) and no
 * document without a J ≥ 0.8 partner may be removed (precision); copies at J ≤ 0.72 are kept.
 */
class DedupGroundTruthTest {
    @TempDir Path dir;

    @Test
    void exactAllRemovedAndNearDuplicatesFoundWithHighPrecisionAndRecall() throws Exception {
        Random rnd = new Random(7);
        List<String> vocab = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            StringBuilder w = new StringBuilder();
            for (int k = 0, n = 3 + rnd.nextInt(6); k < n; k++) w.append((char) ('a' + rnd.nextInt(26)));
            vocab.add(w.toString());
        }
        List<String[]> docs = new ArrayList<>();
        List<String[]> bases = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String[] words = new String[300];
            for (int k = 0; k < words.length; k++) words[k] = vocab.get(rnd.nextInt(vocab.size()));
            bases.add(words);
            docs.add(new String[]{"base" + i, String.join(" ", words)});
        }
        Map<String, String> exactOf = new HashMap<>();
        Map<String, String> variantOf = new HashMap<>();
        Map<String, Double> trueJ = new HashMap<>();
        List<String[]> extra = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String base = "base" + i;
            String text = docs.get(i)[1];
            if (i % 2 == 0) text = "\r\n\r\n" + text + " \t\r\n\r\n\r\n"; // the same after normalisation
            extra.add(new String[]{"exact" + i, text});
            exactOf.put("exact" + i, base);
        }
        for (int i = 100; i < 300; i++) {
            String[] w = bases.get(i).clone();
            // 100 close copies (1-4 words edited: true J 0.87-0.97) and 100 distant ones (12-20 edited: J 0.60-0.72).
            // Copies right at J = 0.8 are left out on purpose: there a 128-value signature's estimate
            // (standard error ~0.035) decides either way, which is the estimator's noise, not a bug.
            int edits = i < 200 ? 1 + rnd.nextInt(4) : 12 + rnd.nextInt(9);
            Set<Integer> at = new HashSet<>();
            while (at.size() < edits) at.add(rnd.nextInt(w.length));
            for (int k : at) w[k] = vocab.get(rnd.nextInt(vocab.size()));
            String id = "variant" + i;
            extra.add(new String[]{id, String.join(" ", w)});
            variantOf.put(id, "base" + i);
            trueJ.put(id, jaccard(shingles(bases.get(i)), shingles(w)));
        }
        java.util.Collections.shuffle(extra, rnd);
        docs.addAll(extra);
        Path in = dir.resolve("corpus.jsonl");
        Files.writeString(in, TestFiles.jsonl(docs));

        Curator.run(TestFiles.options(List.of(in), dir.resolve("out"), TestFiles.noFilters()));
        Map<String, Map<String, String>> removed = new HashMap<>();
        for (var r : TestFiles.readJsonl(dir.resolve("out/removed.jsonl"))) removed.put(r.get("id"), r);

        for (var e : exactOf.entrySet()) {
            assertThat(removed.get(e.getKey())).as(e.getKey()).isNotNull();
            assertThat(removed.get(e.getKey())).containsEntry("stage", "exact_dedup").containsEntry("duplicate_of", e.getValue());
        }
        long positives = trueJ.values().stream().filter(j -> j >= 0.8).count();
        long negatives = trueJ.values().stream().filter(j -> j <= 0.72).count();
        assertThat(positives).isGreaterThan(80);
        assertThat(negatives).isGreaterThan(80);
        int tp = 0, fp = 0;
        for (var r : removed.values()) {
            if (!r.get("stage").equals("near_dedup")) continue;
            String id = r.get("id");
            boolean truth = trueJ.containsKey(id) && trueJ.get(id) >= 0.8 && variantOf.get(id).equals(r.get("duplicate_of"));
            if (truth) tp++;
            else fp++;
        }
        double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
        double recall = (double) tp / positives;
        System.out.printf("near dedup at J>=0.8: %d positives, %d true and %d false removals: precision %.3f, recall %.3f%n", positives, tp, fp, precision, recall);
        assertThat(precision).isGreaterThanOrEqualTo(0.95);
        assertThat(recall).isGreaterThanOrEqualTo(0.95);
        for (int i = 0; i < 400; i++) assertThat(removed).as("originals are kept").doesNotContainKey("base" + i);
    }

    private static Set<String> shingles(String[] w) {
        Set<String> s = new HashSet<>();
        for (int i = 0; i + 5 <= w.length; i++) s.add(String.join(" ", java.util.Arrays.copyOfRange(w, i, i + 5)));
        return s;
    }

    private static double jaccard(Set<String> a, Set<String> b) {
        Set<String> inter = new HashSet<>(a);
        inter.retainAll(b);
        return (double) inter.size() / (a.size() + b.size() - inter.size());
    }
}
