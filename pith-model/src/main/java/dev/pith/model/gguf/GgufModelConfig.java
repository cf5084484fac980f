package dev.pith.model.gguf;

import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.ModelConfig;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * GGUF metadata ⇄ {@link ModelConfig}, with llama.cpp's key names and defaults
 * (rope base 10000, rope dimension = head width, head width = embedding / heads).
 */
public final class GgufModelConfig {
    /** Architectures whose forward pass Pith runs; each is a Llama-family decoder. */
    public static final Set<String> SUPPORTED = Set.of("llama", "qwen2", "mistral");

    private GgufModelConfig() {}

    public static ModelConfig fromGguf(GgufFile f) {
        String arch = f.getString("general.architecture");
        if (arch == null) throw new PithException(f.path() + " has no general.architecture; it is not a model file.");
        if (!SUPPORTED.contains(arch))
            throw new PithException(f.path() + " holds a '" + arch + "' model; Pith runs " + String.join(", ", SUPPORTED.stream().sorted().toList()) + ".");
        int dim = required(f, arch + ".embedding_length");
        int layers = required(f, arch + ".block_count");
        int heads = required(f, arch + ".attention.head_count");
        int kvHeads = (int) f.getLong(arch + ".attention.head_count_kv", heads);
        // llama.cpp allows one width per block here (an array); Pith's runtime does too.
        java.util.List<Integer> ffnDims = perLayer(f, arch + ".feed_forward_length", layers);
        int ffn = ffnDims != null ? ffnDims.stream().mapToInt(Integer::intValue).max().orElse(0) : required(f, arch + ".feed_forward_length");
        int headDim = (int) f.getLong(arch + ".attention.key_length", heads == 0 ? 0 : dim / heads);
        int ctx = (int) f.getLong(arch + ".context_length", 2048);
        float eps = (float) f.getDouble(arch + ".attention.layer_norm_rms_epsilon", 1e-5);
        float theta = (float) f.getDouble(arch + ".rope.freq_base", 10000.0);
        int ropeDim = (int) f.getLong(arch + ".rope.dimension_count", headDim);
        Tensor embd = f.tensor("token_embd.weight");
        if (embd == null) throw new PithException(f.path() + " has no token_embd.weight tensor.");
        int vocab = (int) f.getLong(arch + ".vocab_size", embd.rows());
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
            throw new PithException(f.path() + " has " + heads + " attention heads and " + kvHeads + " key/value heads; the first must be a positive multiple of the second.");
        if (ropeDim > headDim || ropeDim % 2 != 0)
            throw new PithException(f.path() + " rotates " + ropeDim + " dimensions of heads " + headDim + " wide.");
        boolean tied = f.tensor("output.weight") == null;
        boolean neox = arch.equals("qwen2");
        return new ModelConfig(arch, dim, layers, heads, kvHeads, headDim, ffn, vocab, ctx, eps, theta, ropeDim, neox, null, tied)
                .withFfnDims(ffnDims);
    }

    /** The architecture keys llama.cpp needs to load a model of this shape. */
    public static Map<String, GgufValue> toGguf(ModelConfig c) {
        String a = c.architecture();
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.string(a));
        m.put(a + ".context_length", GgufValue.u32(c.contextLength()));
        m.put(a + ".embedding_length", GgufValue.u32(c.dim()));
        m.put(a + ".block_count", GgufValue.u32(c.layers()));
        m.put(a + ".feed_forward_length", feedForwardLength(c));
        m.put(a + ".attention.head_count", GgufValue.u32(c.heads()));
        m.put(a + ".attention.head_count_kv", GgufValue.u32(c.kvHeads()));
        m.put(a + ".attention.layer_norm_rms_epsilon", GgufValue.f32(c.rmsEps()));
        m.put(a + ".rope.freq_base", GgufValue.f32(c.ropeTheta()));
        m.put(a + ".rope.dimension_count", GgufValue.u32(c.ropeDim()));
        if (c.headDim() * c.heads() != c.dim()) {
            m.put(a + ".attention.key_length", GgufValue.u32(c.headDim()));
            m.put(a + ".attention.value_length", GgufValue.u32(c.headDim()));
        }
        return m;
    }

    /** feed_forward_length: one integer, or an array of one per block when the widths differ. */
    public static GgufValue feedForwardLength(ModelConfig c) {
        if (c.ffnDims() == null) return GgufValue.u32(c.ffnDim());
        return GgufValue.array(GgufValueType.UINT32, c.ffnDims().stream().map(Integer::longValue).toList());
    }

    private static java.util.List<Integer> perLayer(GgufFile f, String key, int layers) {
        GgufValue v = f.get(key);
        if (v == null || !v.isArray()) return null;
        java.util.List<Integer> out = new java.util.ArrayList<>();
        for (Object o : v.list()) {
            if (!(o instanceof Number n) || n.longValue() <= 0 || n.longValue() > Integer.MAX_VALUE)
                throw new PithException(f.path() + " has " + key + " with an entry " + o + " that is not a positive width.");
            out.add(n.intValue());
        }
        if (out.size() != layers)
            throw new PithException(f.path() + " has " + out.size() + " entries in " + key + " for " + layers + " blocks.");
        return out;
    }

    private static int required(GgufFile f, String key) {
        long v = f.getLong(key, -1);
        if (v < 0) throw new PithException(f.path() + " lacks the metadata key " + key + ".");
        if (v > Integer.MAX_VALUE) throw new PithException(f.path() + " has " + key + " = " + v + ", too large.");
        return (int) v;
    }
}
