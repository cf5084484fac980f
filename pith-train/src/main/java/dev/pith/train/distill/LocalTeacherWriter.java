package dev.pith.train.distill;

import dev.pith.model.Model;
import dev.pith.model.runtime.Generator;
import dev.pith.model.runtime.SamplerSettings;
import dev.pith.model.runtime.Transformer;

/** A local model writing completions with Pith's runtime; seeded per prompt (seed + id), so reruns repeat. */
public final class LocalTeacherWriter implements TeacherWriter {
    private final Model model;
    private final int maxTokens;
    private final float temperature;
    private final long seed;

    public LocalTeacherWriter(Model model, int maxTokens, double temperature, long seed) {
        this.model = model;
        this.maxTokens = maxTokens;
        this.temperature = (float) temperature;
        this.seed = seed;
    }

    @Override
    public synchronized String complete(long id, String prompt) {
        Generator g = new Generator(new Transformer(model));
        Generator.Result r = g.generate(prompt, maxTokens, new SamplerSettings(temperature, 0, 1, 0, 1, 64, seed + id), t -> {});
        return model.tokenizer().decode(r.tokens());
    }
}
