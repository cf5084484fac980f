package dev.pith.model.runtime;

import dev.pith.core.PithException;
import dev.pith.model.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.function.IntConsumer;

/** Continues a prompt token by token until an end-of-generation token, the token limit, or a full context. */
public final class Generator {
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private boolean ignoreEos;
    private String adapter;
    private boolean choosesAdapter; // false: whatever adapter the transformer has active
    // The tokens whose keys and values the transformer's cache holds, in order (for prefix reuse).
    private int[] cached = new int[0];

    public Generator(Transformer transformer) {
        this.transformer = transformer;
        this.tokenizer = transformer.model().tokenizer();
    }

    /** Keeps generating past end-of-generation tokens (for benchmarks that need a fixed length). */
    public Generator ignoreEos(boolean ignore) {
        this.ignoreEos = ignore;
        return this;
    }

    /**
     * Generates with the transformer's loaded adapter {@code name} (null: the base alone); each
     * generate call makes it the active one, so generators with different adapters can share one
     * transformer (and its base weights), taking turns.
     */
    public Generator adapter(String name) {
        if (name != null && !transformer.adapterNames().contains(name))
            throw new PithException("no adapter named '" + name + "' is loaded (loaded: " + String.join(", ", transformer.adapterNames()) + ").");
        this.adapter = name;
        this.choosesAdapter = true;
        return this;
    }

    /** What a generation produced. */
    public record Result(int[] promptTokens, int[] tokens, String stopReason, double promptSeconds, double generateSeconds) {}

    /** Tokenizes the prompt (BOS first when the model wants it) and generates from it. */
    public Result generate(String prompt, int maxTokens, SamplerSettings settings, IntConsumer onToken) {
        if (tokenizer == null) throw new PithException(transformer.model().source() + " has no tokenizer, so text prompts cannot be encoded.");
        int[] ids = tokenizer.encode(prompt, tokenizer.addBosByDefault(), true);
        return generate(ids, maxTokens, settings, onToken);
    }

    /** Generates after the given prompt ids; each new id is passed to {@code onToken} as soon as it is chosen. */
    public Result generate(int[] promptIds, int maxTokens, SamplerSettings settings, IntConsumer onToken) {
        return generate(promptIds, maxTokens, settings, onToken, false);
    }

    /**
     * Like {@link #generate(int[], int, SamplerSettings, IntConsumer)}, but keeps the cached
     * prefix that the new prompt shares with what this generator last ran (a chat's earlier
     * turns), so only the new tokens go through the model.
     */
    public Result continueWith(int[] promptIds, int maxTokens, SamplerSettings settings, IntConsumer onToken) {
        return generate(promptIds, maxTokens, settings, onToken, true);
    }

    private Result generate(int[] promptIds, int maxTokens, SamplerSettings settings, IntConsumer onToken, boolean reusePrefix) {
        if (promptIds.length == 0) throw new PithException("the prompt is empty and the model adds no BOS token; give a prompt.");
        if (choosesAdapter) transformer.useAdapter(adapter); // clears the cache when another adapter ran last
        int keep = 0;
        if (reusePrefix) {
            int limit = Math.min(Math.min(cached.length, transformer.position()), promptIds.length - 1); // at least one token must run, for logits
            while (keep < limit && cached[keep] == promptIds[keep]) keep++;
        }
        transformer.truncate(keep);
        Sampler sampler = new Sampler(settings);
        int ctx = transformer.contextLength();
        int[] history = Arrays.copyOf(promptIds, Math.min(ctx, promptIds.length + Math.max(0, maxTokens)) + 1);
        long t0 = System.nanoTime();
        float[] logits = transformer.forward(Arrays.copyOfRange(promptIds, keep, promptIds.length));
        long t1 = System.nanoTime();
        int n = promptIds.length, produced = 0;
        String reason = "length";
        while (produced < maxTokens) {
            int next = sampler.sample(logits, history, n);
            if (!ignoreEos && tokenizer != null && tokenizer.isEndOfGeneration(next)) {
                reason = "eos";
                break;
            }
            history[n++] = next;
            produced++;
            if (onToken != null) onToken.accept(next);
            if (produced == maxTokens) break;
            if (transformer.position() >= ctx) {
                reason = "context";
                break;
            }
            logits = transformer.forward(new int[]{next});
        }
        long t2 = System.nanoTime();
        cached = Arrays.copyOf(history, transformer.position());
        return new Result(promptIds, Arrays.copyOfRange(history, promptIds.length, n), reason, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
    }
}
