package dev.pith.data.dedup;

/** 64-bit hashing of strings and mixing (splitmix64 finaliser): fast, well spread, deterministic across runs and JVMs. */
public final class Hash64 {
    private Hash64() {}

    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** FNV-1a over the UTF-16 units of s[from, to), then mixed. */
    public static long of(CharSequence s, int from, int to) {
        long h = 0xCBF29CE484222325L;
        for (int i = from; i < to; i++) {
            h ^= s.charAt(i);
            h *= 0x100000001B3L;
        }
        return mix(h);
    }

    public static long of(CharSequence s) { return of(s, 0, s.length()); }
}
