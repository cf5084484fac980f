package dev.pith.model.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rank-ordered BPE over one pre-tokenized word, as Hugging Face's BPE model and llama.cpp's BPE
 * tokenizer do it: start from single characters (byte-level characters for GPT-2-style vocabularies),
 * repeatedly apply the lowest-ranked merge present (leftmost on ties) using a heap of candidates,
 * with optional byte fallback ({@code <0xNN>}), unknown-token fusing and "ignore merges" (a word that
 * is itself a token is taken whole, as Llama 3 does). Results are cached per word.
 */
final class BpeMerger {
    private static final int CACHE_LIMIT = 200_000;
    private static final int CACHE_MAX_WORD = 64;

    private final Vocabulary vocab;
    private final LongIntMap rankOfPair;
    private final int[] mergedId;
    private final boolean byteLevel;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final int unkId;
    private final boolean fuseUnk;
    private final int[] smallCharIds = new int[512];
    private final Map<Integer, Integer> otherCharIds = new HashMap<>();
    private final int[] byteFallbackIds = new int[256];
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param merges rows {left id, right id, merged id} in rank order
     */
    BpeMerger(Vocabulary vocab, int[][] merges, boolean byteLevel, boolean byteFallback, boolean ignoreMerges,
              int unkId, boolean fuseUnk) {
        this.vocab = vocab;
        this.byteLevel = byteLevel;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.rankOfPair = new LongIntMap(merges.length);
        this.mergedId = new int[merges.length];
        for (int r = 0; r < merges.length; r++) {
            mergedId[r] = merges[r][2];
            rankOfPair.putIfAbsent(pair(merges[r][0], merges[r][1]), r);
        }
        for (int c = 0; c < smallCharIds.length; c++) smallCharIds[c] = vocab.id(String.valueOf((char) c));
        for (int b = 0; b < 256; b++) byteFallbackIds[b] = vocab.id(String.format("<0x%02X>", b));
    }

    private static long pair(int a, int b) { return ((long) a << 32) | (b & 0xFFFFFFFFL); }

    int mergeCount() { return mergedId.length; }

    /** Appends the tokens of one pre-tokenized word (in text space, before any byte-level mapping). */
    void encodeWord(String word, IntList out) {
        if (word.isEmpty()) return;
        if (word.length() > CACHE_MAX_WORD) {  // long runs (unsplit text) would only fill the cache
            out.addAll(compute(word));
            return;
        }
        int[] cached = cache.get(word);
        if (cached == null) {
            cached = compute(word);
            if (cache.size() >= CACHE_LIMIT) cache.clear();
            cache.put(word, cached);
        }
        out.addAll(cached);
    }

    private int charId(int c) {
        if (c < smallCharIds.length) return smallCharIds[c];
        return otherCharIds.computeIfAbsent(c, k -> vocab.id(new String(Character.toChars(k))));
    }

    private int[] compute(String word) {
        String symbols = byteLevel ? ByteLevelAlphabet.encode(word.getBytes(StandardCharsets.UTF_8)) : word;
        if (ignoreMerges) {
            int whole = vocab.id(symbols);
            if (whole >= 0) return new int[] {whole};
        }
        int n = symbols.length();
        int[] id = new int[n + 1];
        int count = 0;
        int pendingUnk = 0;  // pending unknown run length (fused) when > 0
        for (int i = 0; i < n; ) {
            int c = symbols.codePointAt(i);
            i += Character.charCount(c);
            int t = charId(c);
            if (t >= 0) {
                if (pendingUnk > 0) { id = grow(id, count); id[count++] = unkId; pendingUnk = 0; }
                id = grow(id, count);
                id[count++] = t;
                continue;
            }
            if (byteFallback) {
                byte[] bytes = new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8);
                boolean all = true;
                for (byte b : bytes) all &= byteFallbackIds[b & 0xFF] >= 0;
                if (all) {
                    if (pendingUnk > 0) { id = grow(id, count); id[count++] = unkId; pendingUnk = 0; }
                    for (byte b : bytes) { id = grow(id, count); id[count++] = byteFallbackIds[b & 0xFF]; }
                    continue;
                }
            }
            if (unkId >= 0) {
                if (pendingUnk > 0 && !fuseUnk) { id = grow(id, count); id[count++] = unkId; }
                pendingUnk++;
            }
        }
        if (pendingUnk > 0) { id = grow(id, count); id[count++] = unkId; }
        return merge(id, count);
    }

    private static int[] grow(int[] a, int count) {
        return count < a.length ? a : java.util.Arrays.copyOf(a, a.length * 2);
    }

    private int[] merge(int[] id, int count) {
        if (count < 2) return java.util.Arrays.copyOf(id, count);
        int[] prev = new int[count], next = new int[count];
        boolean[] dead = new boolean[count];
        for (int i = 0; i < count; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
        }
        LongMinHeap heap = new LongMinHeap();
        for (int i = 0; i + 1 < count; i++) push(heap, id, i, i + 1);
        int alive = count;
        while (!heap.isEmpty()) {
            long key = heap.poll();
            int pos = (int) key;
            int rank = (int) (key >>> 32);
            int nx = next[pos];
            if (dead[pos] || nx < 0) continue;
            // Stale when the pair now adjacent at pos is a different one.
            if (rankOfPair.get(pair(id[pos], id[nx]), -1) != rank) continue;
            id[pos] = mergedId[rank];
            dead[nx] = true;
            alive--;
            next[pos] = next[nx];
            if (next[nx] >= 0) prev[next[nx]] = pos;
            if (prev[pos] >= 0) push(heap, id, prev[pos], pos);
            if (next[pos] >= 0) push(heap, id, pos, next[pos]);
        }
        int[] out = new int[alive];
        int k = 0;
        for (int i = 0; i != -1; i = next[i]) out[k++] = id[i];
        return out;
    }

    private void push(LongMinHeap heap, int[] id, int left, int right) {
        int rank = rankOfPair.get(pair(id[left], id[right]), -1);
        if (rank >= 0) heap.add(((long) rank << 32) | left);
    }
}
