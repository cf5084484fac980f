package dev.pith.model.hf;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.model.ModelConfig;
import dev.pith.model.gguf.GgufValue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Llama 3's "llama3" rope scaling in GGUF form. llama.cpp's converter stores no scaling metadata for
 * it; it writes a tensor rope_freqs.weight of ropeDim/2 float32 factors, one per rotated pair, by
 * which the runtime divides that pair's angle: 1 for short wavelengths, {@code factor} for long
 * ones, and a smooth blend between. The factors are computed here step by step in float32 as the
 * converter's torch code does. Pith additionally records the four parameters under pith.* keys
 * (llama.cpp ignores them) so a GGUF written by Pith converts back to a config.json exactly.
 */
public final class Llama3Rope {
    private Llama3Rope() {}

    public static final String TENSOR = "rope_freqs.weight";
    public static final String KEY_FACTOR = "pith.rope_scaling.llama3.factor";
    public static final String KEY_LOW = "pith.rope_scaling.llama3.low_freq_factor";
    public static final String KEY_HIGH = "pith.rope_scaling.llama3.high_freq_factor";
    public static final String KEY_ORIGINAL = "pith.rope_scaling.llama3.original_context_length";
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Parameter sets of released Llama 3.1 / 3.2 models, tried when a GGUF holds only the factors. */
    private static final List<ModelConfig.RopeScaling> KNOWN = List.of(
            new ModelConfig.RopeScaling(8f, 1f, 4f, 8192),
            new ModelConfig.RopeScaling(32f, 1f, 4f, 8192));

    /** The per-pair factors for a configuration with llama3 rope scaling. */
    public static float[] factors(ModelConfig c) {
        ModelConfig.RopeScaling s = c.ropeScaling();
        if (s == null) throw new IllegalArgumentException("the configuration has no llama3 rope scaling");
        int dim = c.ropeDim();
        float base = c.ropeTheta();
        float twoPi = (float) (2 * Math.PI);
        double old = s.originalContextLength();
        float lowWavelen = (float) (old / s.lowFreqFactor());
        float highWavelen = (float) (old / s.highFreqFactor());
        float span = (float) ((double) s.highFreqFactor() - s.lowFreqFactor());
        float[] out = new float[dim / 2];
        for (int i = 0; i < out.length; i++) {
            float exponent = (float) (2 * i) / (float) dim;
            float freq = 1.0f / (float) Math.pow(base, exponent);
            float wavelen = (1.0f / freq) * twoPi;
            if (wavelen < highWavelen) {
                out[i] = 1f;
            } else if (wavelen > lowWavelen) {
                out[i] = s.factor();
            } else {
                float smooth = ((1.0f / wavelen) * (float) old - s.lowFreqFactor()) / span;
                out[i] = 1.0f / ((1.0f - smooth) / s.factor() + smooth);
            }
        }
        return out;
    }

    /** The rope_freqs.weight tensor for a configuration with llama3 rope scaling. */
    public static Tensor tensor(ModelConfig c) {
        float[] f = factors(c);
        MemorySegment seg = Arena.ofAuto().allocate(4L * f.length, 64);
        for (int i = 0; i < f.length; i++) seg.setAtIndex(F32, i, f[i]);
        return new Tensor(TENSOR, DType.F32, new long[] {f.length}, seg);
    }

    /** Pith's record of the parameters, for GGUF metadata. */
    public static Map<String, GgufValue> metadata(ModelConfig.RopeScaling s) {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put(KEY_FACTOR, GgufValue.f32(s.factor()));
        m.put(KEY_LOW, GgufValue.f32(s.lowFreqFactor()));
        m.put(KEY_HIGH, GgufValue.f32(s.highFreqFactor()));
        m.put(KEY_ORIGINAL, GgufValue.u32(s.originalContextLength()));
        return m;
    }

    /**
     * The llama3 parameters of a GGUF model: from Pith's keys when present, else the known Llama 3.x
     * parameter set whose factors equal the rope_freqs tensor, else null (the runtime still applies
     * the tensor, but no config.json can be written for it).
     */
    public static ModelConfig.RopeScaling recover(ModelConfig c, Map<String, GgufValue> metadata, Tensor ropeFreqs) {
        if (metadata.containsKey(KEY_FACTOR) && metadata.containsKey(KEY_LOW) && metadata.containsKey(KEY_HIGH)
                && metadata.containsKey(KEY_ORIGINAL)) {
            try {
                return new ModelConfig.RopeScaling((float) metadata.get(KEY_FACTOR).asDouble(),
                        (float) metadata.get(KEY_LOW).asDouble(), (float) metadata.get(KEY_HIGH).asDouble(),
                        Math.toIntExact(metadata.get(KEY_ORIGINAL).asLong()));
            } catch (IllegalStateException | ArithmeticException e) {
                return null;
            }
        }
        if (ropeFreqs == null || ropeFreqs.type() != DType.F32 || ropeFreqs.elementCount() != c.ropeDim() / 2) return null;
        float[] actual = new float[c.ropeDim() / 2];
        for (int i = 0; i < actual.length; i++) actual[i] = ropeFreqs.data().getAtIndex(F32, i);
        for (ModelConfig.RopeScaling s : KNOWN) {
            float[] f = factors(with(c, s));
            boolean same = true;
            for (int i = 0; i < f.length && same; i++) same = Math.abs(f[i] - actual[i]) <= 1e-5f * Math.abs(f[i]);
            if (same) return s;
        }
        return null;
    }

    static ModelConfig with(ModelConfig c, ModelConfig.RopeScaling s) {
        return c.withRopeScaling(s);
    }
}
