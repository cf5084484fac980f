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
    @Mixin SamplingOptions sampling;
    @Spec CommandSpec spec;

    @Option(names = {"-p", "--prompt"}, required = true, description = "Text to continue.")
    String prompt;

    @Option(names = "--ignore-eos", description = "Keep generating past the end-of-text token.")
    boolean ignoreEos;

    @Option(names = "--adapter", paramLabel = "[NAME=]PATH",
            description = "A LoRA/AdaLoRA adapter (PEFT folder or GGUF adapter), applied unmerged at run time; repeat to load several (the base weights are shared).")
    java.util.List<String> adapters = new java.util.ArrayList<>();

    @Option(names = "--use", paramLabel = "NAME",
            description = "Which loaded adapter generates: its NAME (a bare PATH is named after its file or folder), or none (default: the first --adapter).")
    String use;

    @Override
    public void run() {
        try (Model base = common.load()) {
            Model m = base;
            Transformer t = new Transformer(m, common.runtime());
            if (use != null && adapters.isEmpty()) throw new dev.pith.core.PithException("--use names an adapter, but no --adapter is given.");
            String active = AdapterLoading.load(t, adapters, use);
            SamplerSettings s = sampling.settings();
            PrintWriter out = spec.commandLine().getOut();
            StreamingDecoder decoder = new StreamingDecoder(m.tokenizer(), true);
            StringBuilder text = new StringBuilder();
            Generator.Result r = new Generator(t).ignoreEos(ignoreEos).generate(prompt, sampling.maxTokens, s, id -> {
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
                if (!adapters.isEmpty()) o.put("adapter", active);
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
