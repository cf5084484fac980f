package dev.pith.model.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * SentencePiece-style BPE as llama.cpp's SPM tokenizer does it: start from single code points,
 * repeatedly merge the adjacent pair whose concatenation is a token with the highest score
 * (leftmost on ties), then emit each piece as its token or, when a single code point has no
 * token, as byte-fallback tokens {@code <0xNN>}. Merge candidates sit in a heap, so a fragment of
 * n code points costs O(n log n); a popped candidate is stale when either symbol changed since.
 */
final class SpmMerger {
    private final Vocabulary vocab;
    private final int[] byteTokens = new int[256];

    SpmMerger(Vocabulary vocab) {
        this.vocab = vocab;
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.format("<0x%02X>", b));
            if (id < 0) id = vocab.id(new String(new char[] {(char) b}));  // llama.cpp's fallback: the byte as text
            byteTokens[b] = id;
        }
    }

    /** Tokenizes {@code text}, whose spaces are already escaped as "▁". */
    void encode(String text, IntList out) {
        int n = text.length();
        if (n == 0) return;
        // Symbols are code points: start offsets (UTF-16), lengths, and linked-list neighbours.
        int[] start = new int[n], len = new int[n], prev = new int[n], next = new int[n];
        int count = 0;
        for (int i = 0; i < n; ) {
            int cl = Character.charCount(text.codePointAt(i));
            start[count] = i;
            len[count] = cl;
            prev[count] = count - 1;
            next[count] = i + cl >= n ? -1 : count + 1;
            count++;
            i += cl;
        }
        Candidates heap = new Candidates();
        for (int i = 1; i < count; i++) push(heap, text, start, len, i - 1, i);
        while (!heap.isEmpty()) {
            int e = heap.poll();
            int left = heap.left[e];
            int right = next[left];
            // As llama.cpp: stale unless both symbols are unchanged, i.e. their lengths still add up.
            if (len[left] == 0 || right < 0 || len[left] + len[right] != heap.size[e]) continue;
            len[left] += len[right];
            len[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            if (prev[left] >= 0) push(heap, text, start, len, prev[left], left);
            if (next[left] >= 0) push(heap, text, start, len, left, next[left]);
        }
        for (int i = 0; i != -1; i = next[i]) {
            String piece = text.substring(start[i], start[i] + len[i]);
            int id = vocab.id(piece);
            if (id >= 0) {
                out.add(id);
            } else {
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    int bt = byteTokens[b & 0xFF];
                    out.add(bt >= 0 ? bt : Math.max(vocab.unk(), 0));
                }
            }
        }
    }

    private void push(Candidates heap, String text, int[] start, int[] len, int left, int right) {
        int size = len[left] + len[right];
        int id = vocab.id(text.substring(start[left], start[left] + size));
        if (id < 0) return;
        heap.add(priority(vocab.score(id)), left, size);
    }

    /** Merge candidates (priority, left symbol, combined length) in a binary heap ordered by priority, then left. */
    private static final class Candidates {
        int[] prio = new int[64], left = new int[64], size = new int[64];
        int[] heap = new int[64];
        int entries, count;

        boolean isEmpty() { return count == 0; }

        void add(int p, int l, int sz) {
            if (entries == prio.length) {
                prio = java.util.Arrays.copyOf(prio, entries * 2);
                left = java.util.Arrays.copyOf(left, entries * 2);
                size = java.util.Arrays.copyOf(size, entries * 2);
            }
            int e = entries++;
            prio[e] = p;
            left[e] = l;
            size[e] = sz;
            if (count == heap.length) heap = java.util.Arrays.copyOf(heap, count * 2);
            int i = count++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!less(e, heap[parent])) break;
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = e;
        }

        int poll() {
            int top = heap[0];
            int last = heap[--count];
            int i = 0;
            while (2 * i + 1 < count) {
                int c = 2 * i + 1;
                if (c + 1 < count && less(heap[c + 1], heap[c])) c++;
                if (!less(heap[c], last)) break;
                heap[i] = heap[c];
                i = c;
            }
            if (count > 0) heap[i] = last;
            return top;
        }

        private boolean less(int a, int b) {
            return prio[a] < prio[b] || (prio[a] == prio[b] && left[a] < left[b]);
        }
    }

    /** Smaller for higher scores, so the min-heap pops the best; -0.0 and 0.0 tie as in C++. */
    static int priority(float score) {
        int bits = Float.floatToIntBits(score + 0.0f);
        int sortable = bits ^ ((bits >> 31) & 0x7FFFFFFF);
        return ~sortable;
    }
}
