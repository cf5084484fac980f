package dev.pith.cli;

import dev.pith.model.Model;
import dev.pith.model.runtime.Generator;
import dev.pith.model.runtime.SamplerSettings;
import dev.pith.model.runtime.Transformer;
import dev.pith.model.tokenizer.StreamingDecoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "generate", description = "Continue a prompt; the text streams to stdout as it is generated.")
final class GenerateCommand implements Runnable {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = {"-p", "--prompt"}, required = true, description = "Text to continue.")
    String prompt;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "128", description = "Most tokens to generate (default ${DEFAULT-VALUE}).")
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

    @Option(names = "--ignore-eos", description = "Keep generating past the end-of-text token.")
    boolean ignoreEos;

    @Option(names = "--adapter", paramLabel = "PATH",
            description = "A LoRA adapter (PEFT folder or GGUF adapter) to apply; the model file is left unchanged.")
    java.nio.file.Path adapter;

    @Override
    public void run() {
        try (Model base = common.load()) {
            Model m = adapter == null ? base : AdapterLoading.apply(base, adapter);
            Transformer t = new Transformer(m, common.runtime());
            SamplerSettings s = new SamplerSettings(temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed);
            PrintWriter out = spec.commandLine().getOut();
            StreamingDecoder decoder = new StreamingDecoder(m.tokenizer(), true);
            StringBuilder text = new StringBuilder();
            Generator.Result r = new Generator(t).ignoreEos(ignoreEos).generate(prompt, maxTokens, s, id -> {
                String piece = decoder.accept(id);
                text.append(piece);
                if (!common.json) {
                    out.print(piece);
                    out.flush();
                }
            });
            String tail = decoder.flush();
            text.append(tail);
            if (common.json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("text", text.toString());
                o.put("tokens", r.tokens());
                o.put("prompt_tokens", r.promptTokens());
                o.put("stop_reason", r.stopReason());
                o.put("prompt_seconds", r.promptSeconds());
                o.put("generate_seconds", r.generateSeconds());
                o.put("tokens_per_second", r.tokens().length / Math.max(1e-9, r.generateSeconds()));
                o.put("peak_rss_bytes", dev.pith.core.ProcessStats.peakRssBytes());
                Json.print(out, o);
            } else {
                out.print(tail);
                out.println();
                out.flush();
            }
        }
    }
}
