package dev.pith.train.distill;

import java.nio.ByteBuffer;

/**
 * One position of a {@link TeacherCache}: the K largest logits with their ids and one "rest" logit
 * standing for the others (their total probability at temperature 1 preserved).
 */
final class TopK {
    private TopK() {}

    /** Appends the top K of {@code z[o … o+v)} to {@code out}: K ids, K logits, the rest logit. */
    static void write(float[] z, int o, int v, int k, ByteBuffer out) {
        int[] ids = largest(z, o, v, k);
        boolean[] taken = new boolean[v];
        for (int id : ids) {
            out.putInt(id);
            taken[id] = true;
        }
        for (int id : ids) out.putFloat(z[o + id]);
        if (k == v) {
            out.putFloat(Float.NEGATIVE_INFINITY); // nothing is missing
            return;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) if (!taken[j]) max = Math.max(max, z[o + j]);
        double sum = 0;
        for (int j = 0; j < v; j++) if (!taken[j]) sum += Math.exp(z[o + j] - max);
        out.putFloat((float) (max + Math.log(sum) - Math.log(v - k)));
    }

    /** Fills {@code out[o … o+v)} from the record at {@code pos}. */
    static void read(ByteBuffer b, int pos, int k, float[] out, int o, int v) {
        float rest = b.getFloat(pos + 8 * k);
        java.util.Arrays.fill(out, o, o + v, rest);
        for (int i = 0; i < k; i++) out[o + b.getInt(pos + 4 * i)] = b.getFloat(pos + 4 * k + 4 * i);
    }

    /** Ids of the k largest values (ties broken towards the lower id), by sorting packed keys. */
    static int[] largest(float[] z, int o, int v, int k) {
        // A float's bits, flipped so that the integer order is the float order, then descending;
        // the id in the low bits makes every key distinct and breaks ties.
        long[] keys = new long[v];
        for (int j = 0; j < v; j++) {
            int bits = Float.floatToIntBits(z[o + j]);
            int ordered = bits >= 0 ? bits : bits ^ 0x7FFFFFFF;
            keys[j] = ((long) ~ordered << 32) | j;
        }
        java.util.Arrays.sort(keys);
        int[] ids = new int[k];
        for (int i = 0; i < k; i++) ids[i] = (int) (keys[i] & 0xFFFFFFFFL);
        return ids;
    }
}
