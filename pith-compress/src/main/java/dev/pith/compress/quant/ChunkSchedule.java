package dev.pith.compress.quant;

import java.util.ArrayList;
import java.util.List;

/**
 * The order in which the chunks of a cold input are read and encoded. Chunks whose target is a
 * K-quant cost ten to twenty times the CPU of a legacy or plain one per value (their scale searches),
 * so read in file order a tied Q6_K embedding (a fifth of the 1B shape's bytes) keeps both cores busy
 * while the disk idles, and the light matrices after it leave the cores idle while the disk reads.
 * Spreading the heavy chunks evenly among the light ones lets the read of the light chunks overlap
 * the heavy encoding. Each group keeps its own order (a tensor's chunks stay in row order), and every
 * chunk is encoded and written at its own offset, so the file's bytes do not depend on this order.
 */
final class ChunkSchedule {
    private ChunkSchedule() {}

    /**
     * A permutation of {@code 0 .. heavy.size()}: the heavy and the light indexes merged by their
     * position within their own group ((i + 0.5) / group size), light first on ties.
     */
    static int[] interleave(List<Boolean> heavy) {
        List<Integer> h = new ArrayList<>(), l = new ArrayList<>();
        for (int i = 0; i < heavy.size(); i++) (heavy.get(i) ? h : l).add(i);
        int[] order = new int[heavy.size()];
        int a = 0, b = 0;
        for (int k = 0; k < order.length; k++) {
            // compare (a + 0.5) / h.size() with (b + 0.5) / l.size() without division
            boolean takeHeavy = b == l.size() || (a < h.size() && (2L * a + 1) * l.size() < (2L * b + 1) * h.size());
            order[k] = takeHeavy ? h.get(a++) : l.get(b++);
        }
        return order;
    }
}
