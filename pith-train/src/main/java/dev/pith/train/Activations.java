package dev.pith.train;

import java.util.HashMap;
import java.util.Map;

/**
 * The float buffers a block's layers keep their activations and activation gradients in, by slot
 * name. Each block owns one normally; with activation recomputation every block uses the same one,
 * so a model holds one block's activations instead of one per layer (a block rebuilds its own just
 * before its backward).
 */
final class Activations {
    private final Map<String, float[]> slots = new HashMap<>();

    /** The buffer of this slot, (re)allocated when its size changes; contents are whatever the last user left. */
    float[] get(String slot, int size) {
        float[] a = slots.get(slot);
        if (a == null || a.length != size) {
            a = new float[size];
            slots.put(slot, a);
        }
        return a;
    }

    /** Floats held by all slots (what the memory figures of recomputation count). */
    long floats() {
        long n = 0;
        for (float[] a : slots.values()) n += a.length;
        return n;
    }
}
