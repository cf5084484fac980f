package dev.pith.model.tokenizer;

/** A binary min-heap of longs: the merge queues order candidates by (priority, position) packed in one long. */
final class LongMinHeap {
    private long[] heap = new long[64];
    private int size;

    void clear() { size = 0; }
    boolean isEmpty() { return size == 0; }

    void add(long v) {
        if (size == heap.length) heap = java.util.Arrays.copyOf(heap, size * 2);
        int i = size++;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (heap[p] <= v) break;
            heap[i] = heap[p];
            i = p;
        }
        heap[i] = v;
    }

    long poll() {
        long top = heap[0];
        long last = heap[--size];
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int c = 2 * i + 1;
            if (c + 1 < size && heap[c + 1] < heap[c]) c++;
            if (heap[c] >= last) break;
            heap[i] = heap[c];
            i = c;
        }
        if (size > 0) heap[i] = last;
        return top;
    }
}
