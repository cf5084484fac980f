package dev.pith.cli;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.runtime.Transformer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "logits", description = "Show the most likely next tokens after a prompt, with their raw logits.")
final class LogitsCommand implements Runnable {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = {"-p", "--prompt"}, required = true, description = "Text the next token follows (BOS is added when the model wants it).")
    String prompt;

    @Option(names = "--top", defaultValue = "10", description = "How many tokens to show (default ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--adapter", paramLabel = "PATH", description = "A LoRA adapter (PEFT folder or GGUF adapter) to apply first.")
    java.nio.file.Path adapter;

    @Override
    public void run() {
        try (Model base = common.load()) {
            Model m = adapter == null ? base : AdapterLoading.apply(base, adapter);
            if (m.tokenizer() == null) throw new PithException(common.model + " has no tokenizer.");
            int[] ids = m.tokenizer().encode(prompt, m.tokenizer().addBosByDefault(), true);
            if (ids.length == 0) throw new PithException("the prompt is empty and the model adds no BOS token.");
            float[] logits = new Transformer(m, common.runtime()).forward(ids);
            Integer[] order = new Integer[logits.length];
            for (int i = 0; i < order.length; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
            List<Map<String, Object>> list = new ArrayList<>();
            for (int i = 0; i < Math.min(top, logits.length); i++) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("id", order[i]);
                e.put("logit", logits[order[i]]);
                e.put("token", m.tokenizer().tokenText(order[i]));
                list.add(e);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (common.json) {
                Json.print(out, Map.of("prompt_tokens", ids, "top", list));
            } else {
                for (var e : list) out.printf("%8d  %12.6f  %s%n", (Integer) e.get("id"), (Float) e.get("logit"), e.get("token"));
                out.flush();
            }
        }
    }
}
