package dev.pith.cli;

import dev.pith.model.runtime.SamplerSettings;
import picocli.CommandLine.Option;

/** The sampling flags of the commands that generate text. */
final class SamplingOptions {
    @Option(names = {"-n", "--max-tokens"}, defaultValue = "256", description = "Most tokens to generate per reply (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.8", description = "Sampling temperature; 0 is greedy (default ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "Keep the k most likely tokens, 0 = off (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Nucleus sampling threshold, 1 = off (default ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", description = "Drop tokens below min-p × the best one's probability, 0 = off (default ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", description = "Penalty for recently used tokens, 1 = off (default ${DEFAULT-VALUE}).")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", defaultValue = "64", description = "How many recent tokens the penalty considers (default ${DEFAULT-VALUE}).")
    int repeatLastN;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    SamplerSettings settings() { return new SamplerSettings(temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed); }
}
