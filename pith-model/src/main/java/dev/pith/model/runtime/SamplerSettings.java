package dev.pith.model.runtime;

/**
 * How the next token is chosen. Temperature 0 means greedy (arg max). The filters apply in
 * llama.cpp's order: repetition penalty, top-k, top-p, min-p, then temperature and a seeded draw.
 *
 * @param temperature       0 for greedy; otherwise logits are divided by it
 * @param topK              keep the k most likely tokens (0 = off)
 * @param topP              keep the smallest set whose probability reaches p (1 = off)
 * @param minP              drop tokens less likely than minP × the most likely one (0 = off)
 * @param repeatPenalty     divide positive / multiply negative logits of recent tokens (1 = off)
 * @param repeatLastN       how many recent tokens the penalty looks at
 * @param seed              seed of the random draw
 */
public record SamplerSettings(float temperature, int topK, float topP, float minP, float repeatPenalty, int repeatLastN, long seed) {
    public SamplerSettings {
        if (temperature < 0) throw new IllegalArgumentException("temperature must not be negative");
        if (topK < 0) throw new IllegalArgumentException("top-k must not be negative");
        if (topP <= 0 || topP > 1) throw new IllegalArgumentException("top-p must be in (0, 1]");
        if (minP < 0 || minP >= 1) throw new IllegalArgumentException("min-p must be in [0, 1)");
        if (repeatPenalty <= 0) throw new IllegalArgumentException("repetition penalty must be positive");
    }

    public static SamplerSettings greedy() { return new SamplerSettings(0, 0, 1, 0, 1, 64, 0); }
}
